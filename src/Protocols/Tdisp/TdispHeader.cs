using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// The 16-byte TDISP header (PCIe §11.3.1): TDISPVersion u8 (major [7:4], minor [3:0]; 0x10 = 1.0), MessageType u8,
/// 2 reserved, INTERFACE_ID (12 bytes). The Protocol ID byte in front belongs to the PCI-SIG vendor envelope.
/// </summary>
public readonly record struct TdispHeader(byte Version, TdispMessageType MessageType, TdispInterfaceId InterfaceId)
{
    public const int Size = 16;

    public const byte Version10 = 0x10;

    public void Write(ref WireWriter writer)
    {
        writer.WriteByte(Version);
        writer.WriteByte((byte)MessageType);
        writer.WriteZeros(2);
        InterfaceId.Write(ref writer);
    }

    public static TdispHeader Read(ref WireReader reader)
    {
        var version = reader.ReadByte("TDISPVersion");
        var type = (TdispMessageType)reader.ReadByte("MessageType");
        reader.Skip(2, "Reserved");
        var id = ReadInterfaceId(ref reader);
        return new TdispHeader(version, type, id);
    }

    /// <summary>
    /// INTERFACE_ID as a TDISP receiver reads it: reserved FUNCTION_ID bits 31:25 and the 8 reserved bytes are
    /// ignored (PCIe reserved-field rule), unlike the TSM ABI reader, which requires them zero.
    /// </summary>
    public static TdispInterfaceId ReadInterfaceId(ref WireReader reader)
    {
        var functionId = reader.ReadUInt32("INTERFACE_ID.FUNCTION_ID");
        reader.Skip(8, "INTERFACE_ID.Reserved");
        return new TdispInterfaceId(functionId & ~TdispInterfaceId.ReservedMask);
    }

    /// <summary>Peeks at the header of a TDISP message (dispatch, version and interface checks before decoding).</summary>
    public static TdispHeader Peek(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, "TDISP");
        return Read(ref reader);
    }
}
