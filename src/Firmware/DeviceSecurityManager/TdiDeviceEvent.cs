namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>What the device hardware reports to its security manager.</summary>
public enum TdiDeviceEventKind
{
    /// <summary>A configuration write completed (it always completes; the TDI state may change because of it).</summary>
    ConfigWrite,

    /// <summary>Function Level Reset of the TDI's function (a PF FLR reaches its VF TDIs too).</summary>
    FunctionLevelReset,

    /// <summary>An IDE stream at the DSM's port left Secure for Insecure.</summary>
    IdeStreamInsecure,

    /// <summary>The function's Requester ID, bus or segment changed.</summary>
    RequesterIdChanged,

    /// <summary>An unrecoverable poison or data-integrity error, or a device-specific trust change.</summary>
    UnrecoverableError,
}

/// <summary>
/// One device event. For <see cref="TdiDeviceEventKind.ConfigWrite"/>: byte <see cref="ConfigOffset"/> and
/// <see cref="ConfigLength"/> (1, 2 or 4) of the write, and the register bytes before and after it, little-endian in
/// the low bytes of <see cref="OldValue"/> / <see cref="NewValue"/>. For IdeStreamInsecure: <see cref="StreamId"/>.
/// </summary>
public readonly record struct TdiDeviceEvent(
    TdiDeviceEventKind Kind,
    int ConfigOffset = 0,
    int ConfigLength = 0,
    uint OldValue = 0,
    uint NewValue = 0,
    byte StreamId = 0)
{
    public static TdiDeviceEvent ConfigWrite(int offset, int length, uint oldValue, uint newValue) =>
        new(TdiDeviceEventKind.ConfigWrite, offset, length, oldValue, newValue);

    public static TdiDeviceEvent IdeStreamInsecure(byte streamId) => new(TdiDeviceEventKind.IdeStreamInsecure, StreamId: streamId);

    public static TdiDeviceEvent FunctionLevelReset() => new(TdiDeviceEventKind.FunctionLevelReset);
}
