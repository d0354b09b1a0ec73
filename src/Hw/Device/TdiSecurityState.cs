namespace SevTio.Hw.Device;

/// <summary>
/// The TDI states of PCIe TDISP §11.3 as the device hardware sees them (values as TDISP encodes them; the firmware's
/// <c>TdiState</c> maps one to one).
/// </summary>
public enum TdiSecurityState : byte
{
    /// <summary>CONFIG_UNLOCKED: no TDISP; the function does ordinary (T=0) DMA.</summary>
    ConfigUnlocked = 0,

    /// <summary>CONFIG_LOCKED: configuration frozen, not yet accepted; only MSI/MSI-X with T=0 may be issued.</summary>
    ConfigLocked = 1,

    /// <summary>RUN: accepted by the TVM; DMA only with T=1 on the bound stream.</summary>
    Run = 2,

    /// <summary>ERROR: a security-relevant change happened; nothing is issued.</summary>
    Error = 3,
}
