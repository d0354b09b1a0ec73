using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// INTERFACE_ID (PCIe §11.3.2): FUNCTION_ID u32 (Requester ID [15:0], Requester Segment [23:16], Segment Valid
/// [24]) followed by 8 reserved bytes; 12 bytes on the wire.
/// </summary>
public readonly record struct TdispInterfaceId(uint FunctionId)
{
    public const int Size = 12;

    private const uint SegmentValidBit = 1u << 24;

    public ushort RequesterId => (ushort)FunctionId;

    public byte Segment => (byte)(FunctionId >> 16);

    public bool SegmentValid => (FunctionId & SegmentValidBit) != 0;

    public static TdispInterfaceId FromRequesterId(ushort requesterId, byte? segment = null) =>
        new(requesterId | (segment is { } s ? ((uint)s << 16) | SegmentValidBit : 0u));

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt32(FunctionId);
        writer.WriteZeros(8);
    }

    public static TdispInterfaceId Read(ref WireReader reader)
    {
        var functionId = reader.ReadUInt32("INTERFACE_ID.FUNCTION_ID");
        reader.Skip(8, "INTERFACE_ID.Reserved");

        // Bits 31:25 of FUNCTION_ID are reserved: ignored on receipt.
        return new TdispInterfaceId(functionId & 0x01FF_FFFF);
    }

    public override string ToString() =>
        SegmentValid ? $"{Segment:X2}:{RequesterId >> 8:X2}:{(RequesterId >> 3) & 0x1F:X2}.{RequesterId & 7}" : $"{RequesterId >> 8:X2}:{(RequesterId >> 3) & 0x1F:X2}.{RequesterId & 7}";
}
