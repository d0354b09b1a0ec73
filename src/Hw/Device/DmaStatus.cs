namespace SevTio.Hw.Device;

/// <summary>The status a DMA job completes with (the completion record's STATUS field and the engine's ERROR_CODE register).</summary>
public enum DmaStatus : uint
{
    Success = 0,

    /// <summary>The descriptor is malformed (bad opcode, zero count or size, window smaller than a transfer, ...).</summary>
    InvalidDescriptor = 1,

    /// <summary>The TDI enforcement refused to issue the job's requests (see <see cref="TdiRefusal"/>).</summary>
    TdiRefused = 2,

    /// <summary>A read (descriptor or data) completed with Unsupported Request.</summary>
    UnsupportedRequest = 3,

    /// <summary>A read completed with Completer Abort.</summary>
    CompleterAbort = 4,

    /// <summary>A read completion arrived after the TDI left the state its request was issued in; its data was discarded.</summary>
    CompletionDiscarded = 5,

    /// <summary>Bus Master Enable is clear in the Command register: the function may not issue requests.</summary>
    BusMasterDisabled = 6,

    /// <summary>A read completion was dropped or never arrived because its IDE stream failed.</summary>
    IdeFailure = 7,
}
