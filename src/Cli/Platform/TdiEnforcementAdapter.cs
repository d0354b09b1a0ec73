using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Hw.Device;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Cli.Platform;

/// <summary>
/// The device hardware's enforcement reads the TDI facts the device's own security-manager firmware owns: its TDISP
/// responder's <see cref="ITdiSecurityState"/> for the interface, mapped onto <see cref="ITdiEnforcement"/>.
/// </summary>
internal sealed class TdiEnforcementAdapter(ITdiSecurityState tdi) : ITdiEnforcement
{
    public TdiSecurityState State => tdi.State switch
    {
        TdiState.ConfigLocked => TdiSecurityState.ConfigLocked,
        TdiState.Run => TdiSecurityState.Run,
        TdiState.Error => TdiSecurityState.Error,
        _ => TdiSecurityState.ConfigUnlocked,
    };

    public byte? BoundStreamId => tdi.BoundStreamId;

    public bool MsixLocked => (tdi.LockFlags & TdispLockFlags.LockMsix) != 0;

    public bool IsTeeMmio(int barIndex, ulong offsetInBar) => tdi.IsTeeMmio(barIndex, offsetInBar);
}
