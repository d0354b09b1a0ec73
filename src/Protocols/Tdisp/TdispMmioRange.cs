using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>MMIO range attributes (PCIe §11.3.11).</summary>
[Flags]
public enum TdispMmioRangeAttributes : ushort
{
    None = 0,
    MsixTable = 1 << 0,
    MsixPba = 1 << 1,
    IsNonTeeMem = 1 << 2,
    IsMemAttrUpdatable = 1 << 3,
}

/// <summary>
/// An MMIO range of the interface report (PCIe §11.3.11), 16 bytes: FIRST_PAGE u64, NUMBER_OF_PAGES u32,
/// RANGE_ATTRIBUTES u16, RANGE_ID u16. FIRST_PAGE is the byte address of the first 4 KiB page with
/// MMIO_REPORTING_OFFSET already added (libspdm: "Byte address of the first 4K page").
/// </summary>
public readonly record struct TdispMmioRange(ulong FirstPage, uint NumberOfPages, TdispMmioRangeAttributes Attributes, ushort RangeId)
{
    public const int Size = 16;

    public const int PageSize = 4096;

    public ulong SizeBytes => (ulong)NumberOfPages * PageSize;

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt64(FirstPage);
        writer.WriteUInt32(NumberOfPages);
        writer.WriteUInt16((ushort)Attributes);
        writer.WriteUInt16(RangeId);
    }

    public static TdispMmioRange Read(ref WireReader reader)
    {
        var first = reader.ReadUInt64("MMIO_RANGE.FIRST_PAGE");
        var pages = reader.ReadUInt32("MMIO_RANGE.NUMBER_OF_PAGES");
        var attributes = (TdispMmioRangeAttributes)reader.ReadUInt16("MMIO_RANGE.RANGE_ATTRIBUTES");
        var id = reader.ReadUInt16("MMIO_RANGE.RANGE_ID");
        return new TdispMmioRange(first, pages, attributes, id);
    }
}
