using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// One TDI's state as its DSM keeps it: the TDISP state, and while CONFIG_LOCKED or RUN the lock parameters, the
/// START_INTERFACE_NONCE (made at LOCK, consumed on entering RUN, destroyed on leaving LOCKED), the BARs as locked and
/// the interface report generated from them.
/// </summary>
internal sealed class TdiContext : ITdiSecurityState
{
    public TdiContext(ITdispDeviceFunction function) => Function = function;

    public ITdispDeviceFunction Function { get; }

    public TdispInterfaceId InterfaceId => Function.InterfaceId;

    public TdiState State { get; private set; } = TdiState.ConfigUnlocked;

    public byte? BoundStreamId { get; private set; }

    public TdispLockFlags LockFlags { get; private set; }

    public byte[]? StartNonce { get; set; }

    public byte[] Report { get; private set; } = [];

    public IReadOnlyList<TdiReportLayout.BarRange> Ranges { get; private set; } = [];

    public event Action<TdiStateChange>? StateChanged;

    public bool IsTeeMmio(int barIndex, ulong offsetInBar)
    {
        if (State is not (TdiState.ConfigLocked or TdiState.Run))
        {
            return false;
        }

        foreach (var r in Ranges)
        {
            if (r.BarIndex == barIndex && offsetInBar >= r.Offset && offsetInBar - r.Offset < r.Length)
            {
                return (r.Attributes & TdispMmioRangeAttributes.IsNonTeeMem) == 0;
            }
        }

        return false;
    }

    public void Lock(TdispLockFlags flags, byte streamId, byte[] nonce, byte[] report, IReadOnlyList<TdiReportLayout.BarRange> ranges)
    {
        LockFlags = flags;
        BoundStreamId = streamId;
        StartNonce = nonce;
        Report = report;
        Ranges = ranges;
        MoveTo(TdiState.ConfigLocked, TdiStateChangeCause.LockInterface);
    }

    public void MoveTo(TdiState next, TdiStateChangeCause cause)
    {
        var previous = State;
        State = next;

        // The nonce lives only in CONFIG_LOCKED: consumed entering RUN, destroyed entering UNLOCKED or ERROR.
        if (next != TdiState.ConfigLocked)
        {
            if (StartNonce is not null)
            {
                Array.Clear(StartNonce);
            }

            StartNonce = null;
        }

        if (next == TdiState.ConfigUnlocked)
        {
            BoundStreamId = null;
            LockFlags = TdispLockFlags.None;
            Report = [];
            Ranges = [];
        }

        if (previous != next)
        {
            StateChanged?.Invoke(new TdiStateChange(InterfaceId, previous, next, cause));
        }
    }
}
