using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>Why a TDI changed state.</summary>
public enum TdiStateChangeCause
{
    LockInterface,
    StartInterface,
    StopInterface,
    ConfigWrite,
    FunctionLevelReset,
    IdeStreamInsecure,
    RequesterIdChanged,
    UnrecoverableError,
}

/// <summary>A TDI state transition.</summary>
public readonly record struct TdiStateChange(TdispInterfaceId InterfaceId, TdiState From, TdiState To, TdiStateChangeCause Cause);

/// <summary>
/// What the device hardware's enforcement asks of the TDI (PCIe §11.2.1): DMA only in RUN, with T=1, on the bound
/// stream; TEE MMIO only for T=1 requests in RUN on the bound stream. The TDISP responder owns the state; this is its
/// read-only face plus a change notification (so a DMA engine can stop the moment the TDI leaves RUN).
/// </summary>
public interface ITdiSecurityState
{
    TdispInterfaceId InterfaceId { get; }

    TdiState State { get; }

    /// <summary>The default stream bound at LOCK; null when CONFIG_UNLOCKED.</summary>
    byte? BoundStreamId { get; }

    TdispLockFlags LockFlags { get; }

    /// <summary>
    /// True when the byte at <paramref name="offsetInBar"/> of BAR <paramref name="barIndex"/> is in a reported TEE
    /// range (not IS_NON_TEE_MEM) of the locked interface; false when not LOCKED/RUN.
    /// </summary>
    bool IsTeeMmio(int barIndex, ulong offsetInBar);

    event Action<TdiStateChange>? StateChanged;
}
