namespace SevTio.Hw.Device;

/// <summary>Where the MSI-X table and PBA live (BAR and offset, bytes) and the Message Control register.</summary>
public readonly record struct MsixLayout(int TableBar, ulong TableOffset, ulong TableLength, int PbaBar, ulong PbaOffset, ulong PbaLength, ushort MessageControl);
