using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tsm;

/// <summary>
/// TDISP INTERFACE_ID (PCIe r7.0 §11.3.2; Linux <c>struct tdisp_interface_id</c>): a u32 FUNCTION_ID
/// {RID b15:0, RSEG b23:16, RSEG_VALID b24, b31:25 reserved} followed by 8 reserved bytes — 12 bytes in all.
/// </summary>
public readonly record struct TdispInterfaceId(uint FunctionId)
{
    public const int Size = 12;

    public const uint RequesterIdMask = 0x0000_FFFF;
    public const uint SegmentMask = 0x00FF_0000;
    public const int SegmentShift = 16;
    public const uint SegmentValidBit = 1u << 24;
    public const uint ReservedMask = 0xFE00_0000;

    /// <summary>The INTERFACE_ID of the function at <paramref name="requesterId"/>; a segment makes RSEG valid.</summary>
    public static TdispInterfaceId Create(ushort requesterId, byte? segment = null) =>
        new(requesterId | (segment is byte s ? ((uint)s << SegmentShift) | SegmentValidBit : 0));

    /// <summary>RID: bus/device/function of the TDI's function.</summary>
    public ushort RequesterId => (ushort)(FunctionId & RequesterIdMask);

    /// <summary>RSEG, meaningful only when <see cref="SegmentValid"/>.</summary>
    public byte Segment => (byte)((FunctionId & SegmentMask) >> SegmentShift);

    public bool SegmentValid => (FunctionId & SegmentValidBit) != 0;

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt32(FunctionId);
        writer.WriteZeros(8);
    }

    /// <summary>Reads 12 bytes; reserved FUNCTION_ID bits and the 8 reserved bytes must be zero.</summary>
    public static TdispInterfaceId Read(ref WireReader reader, string field)
    {
        var functionId = reader.ReadUInt32(field + ".function_id");
        if ((functionId & ReservedMask) != 0)
        {
            reader.Fail(field + ".function_id", $"reserved bits 31:25 set (0x{functionId:X8})");
        }

        WireChecks.ReadZeros(ref reader, 8, field + ".reserved");
        return new TdispInterfaceId(functionId);
    }

    public override string ToString() =>
        SegmentValid
            ? $"{Segment:X2}:{RequesterId >> 8:X2}:{(RequesterId >> 3) & 0x1F:X2}.{RequesterId & 7}"
            : $"{RequesterId >> 8:X2}:{(RequesterId >> 3) & 0x1F:X2}.{RequesterId & 7}";
}
