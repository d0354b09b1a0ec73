using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>The 4-byte header every SPDM message starts with: SPDMVersion, RequestResponseCode, Param1, Param2.</summary>
public readonly record struct SpdmHeader(byte Version, SpdmRequestResponseCode Code, byte Param1, byte Param2)
{
    public const int Size = 4;

    public void Write(ref WireWriter writer)
    {
        writer.WriteByte(Version);
        writer.WriteByte((byte)Code);
        writer.WriteByte(Param1);
        writer.WriteByte(Param2);
    }

    public static SpdmHeader Read(ref WireReader reader)
    {
        var version = reader.ReadByte("SPDMVersion");
        var code = (SpdmRequestResponseCode)reader.ReadByte("RequestResponseCode");
        var p1 = reader.ReadByte("Param1");
        var p2 = reader.ReadByte("Param2");
        return new SpdmHeader(version, code, p1, p2);
    }

    /// <summary>Reads the header and checks the code, so a decoder of one message rejects another.</summary>
    public static SpdmHeader Read(ref WireReader reader, SpdmRequestResponseCode expected)
    {
        var header = Read(ref reader);
        if (header.Code != expected)
        {
            reader.Fail("RequestResponseCode", $"0x{(byte)header.Code:X2} is not {expected} (0x{(byte)expected:X2})");
        }

        return header;
    }

    /// <summary>Peeks at the header of a message without consuming it (dispatch by code).</summary>
    public static SpdmHeader Peek(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, "SPDM");
        return Read(ref reader);
    }
}
