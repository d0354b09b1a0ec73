namespace SevTio.Hw.Device;

/// <summary>Why the TDI enforcement refused a request (PCIe TDISP §11.2.1; reference §4.3).</summary>
public enum TdiRefusal : byte
{
    None,

    /// <summary>The TDI is CONFIG_LOCKED or ERROR: no DMA request may be issued (only MSI/MSI-X in LOCKED).</summary>
    NotInRun,

    /// <summary>A T=0 request asked for while the TDI is in RUN: in RUN every request goes with T=1.</summary>
    NonTeeRequestInRun,

    /// <summary>In RUN the request would not travel on the stream bound at LOCK.</summary>
    NotOnBoundStream,

    /// <summary>The TDI is in ERROR: not even MSI/MSI-X is issued.</summary>
    TdiInError,

    /// <summary>Not a TDISP rule: Bus Master Enable is clear, so the function may not issue any request (PCIe §7.5.1.1.3).</summary>
    BusMasterDisabled,

    /// <summary>A TEE MMIO range was accessed without T=1 from a RUN TDI on the bound stream.</summary>
    TeeMmioAccessDenied,
}
