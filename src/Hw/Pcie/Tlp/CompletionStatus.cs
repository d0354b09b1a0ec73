namespace SevTio.Hw.Pcie;

/// <summary>Completion Status field values (PCIe §2.2.9.1); 011b and 101b-111b are reserved.</summary>
public enum CompletionStatus : byte
{
    /// <summary>SC.</summary>
    SuccessfulCompletion = 0b000,

    /// <summary>UR.</summary>
    UnsupportedRequest = 0b001,

    /// <summary>RRS (formerly CRS): Request Retry Status, configuration requests only.</summary>
    RequestRetryStatus = 0b010,

    /// <summary>CA.</summary>
    CompleterAbort = 0b100,
}
