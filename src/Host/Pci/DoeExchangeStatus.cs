namespace SevTio.Host.Pci;

/// <summary>How a DOE exchange ended, as the host driver sees it.</summary>
public enum DoeExchangeStatus
{
    /// <summary>A response object was read.</summary>
    Completed,

    /// <summary>No Data Object Ready before the timeout (the device dropped or ignored the request); the mailbox was aborted.</summary>
    TimedOut,

    /// <summary>The mailbox reported DOE Error (a malformed object); it was aborted.</summary>
    Error,

    /// <summary>The mailbox was Busy when the host wanted to send.</summary>
    Busy,
}
