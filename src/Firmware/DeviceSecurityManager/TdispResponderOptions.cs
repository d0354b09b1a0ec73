using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>Configuration of the DSM's TDISP responder.</summary>
public sealed class TdispResponderOptions
{
    /// <summary>Seeded source of START_INTERFACE_NONCE values (determinism).</summary>
    public required Random Random { get; init; }

    /// <summary>Largest report portion in one DEVICE_INTERFACE_REPORT.</summary>
    public int MaxReportPortion { get; init; } = 1024;

    /// <summary>LOCK_INTERFACE_FLAGS_SUPPORTED: BIND_P2P is not, since P2P streams are not implemented.</summary>
    public TdispLockFlags LockFlagsSupported { get; init; } =
        TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.CacheLineSize128
        | TdispLockFlags.LockMsix | TdispLockFlags.AllRequestRedirect;
}
