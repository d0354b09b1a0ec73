namespace SevTio.Hw.Doe;

/// <summary>Why the mailbox set DOE Error and dropped the object it was given (for logs and tests; software sees only the Error bit).</summary>
public enum DoeMailboxError : byte
{
    None,

    /// <summary>Go with fewer than the 2 header DWs written.</summary>
    Truncated,

    /// <summary>The header's Length is 1 DW, which is illegal (the header alone is 2 DW).</summary>
    LengthOne,

    /// <summary>The header's Length names more DWs than software wrote.</summary>
    LengthBeyondWritten,

    /// <summary>Software wrote more DWs than the header's Length names.</summary>
    LengthShorterThanWritten,

    /// <summary>More than 2^18 DW (1 MiB) written before Go.</summary>
    Overflow,

    /// <summary>The (vendor, type) pair is not one the responder supports.</summary>
    UnsupportedProtocol,

    /// <summary>The responder produced a response that is not a valid data object (empty, over 1 MiB).</summary>
    BadResponse,
}
