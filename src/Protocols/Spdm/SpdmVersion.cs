namespace SevTio.Protocols.Spdm;

/// <summary>
/// SPDM version values. The message header carries major.minor in one byte (0x12 = 1.2); VERSION entries are u16
/// with major [15:12], minor [11:8], update [7:4], alpha [3:0] (DSP0274 1.2 §10.3).
/// </summary>
public static class SpdmVersion
{
    /// <summary>GET_VERSION and VERSION always travel at version 1.0.</summary>
    public const byte V10 = 0x10;

    public const byte V11 = 0x11;

    public const byte V12 = 0x12;

    /// <summary>The header byte of a VERSION entry: major and minor.</summary>
    public static byte FromEntry(ushort entry) => (byte)(entry >> 8);

    public static ushort ToEntry(byte version) => (ushort)(version << 8);
}
