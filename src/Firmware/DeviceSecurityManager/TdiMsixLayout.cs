namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The MSI-X table and PBA locations (BAR index + offset, length in bytes) and the Message Control register, as the
/// MSI-X capability describes them.
/// </summary>
public readonly record struct TdiMsixLayout(int TableBar, ulong TableOffset, ulong TableLength, int PbaBar, ulong PbaOffset, ulong PbaLength, ushort MessageControl);
