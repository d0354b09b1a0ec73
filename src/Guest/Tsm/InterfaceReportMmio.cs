using SevTio.Guest.Pci;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Tsm;

/// <summary>
/// The guest's reading of the interface report's MMIO ranges (include/linux/pci-tsm.h and the seed's
/// <c>get_range</c>): RANGE_ID is the BAR index, each range is placed inside that BAR (see <see cref="TdispOffsetMode"/>),
/// and a report that does not fit the device as the guest enumerated it is refused — a range naming a BAR that is not
/// there, running past the end of its BAR, empty or unaligned, using reserved attribute bits, or overlapping another.
/// </summary>
public static class InterfaceReportMmio
{
    private const string Name = TdispDeviceInterfaceReport.Name;

    /// <summary>Reserved bits of RANGE_ATTRIBUTES (15:4).</summary>
    public const ushort ReservedAttributes = 0xFFF0;

    /// <summary>Places every reported range; throws <see cref="ProtocolFormatException"/> naming the offending field.</summary>
    public static IReadOnlyList<TdiMmioRange> Map(TdispDeviceInterfaceReport report, IReadOnlyList<PciBar> bars, TdispOffsetMode mode)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(bars);
        var ranges = report.MmioRanges;
        var placed = new TdiMmioRange[ranges.Count];
        for (var i = 0; i < ranges.Count; i++)
        {
            var range = ranges[i];
            if (((ushort)range.Attributes & ReservedAttributes) != 0)
            {
                Fail(i, "RANGE_ATTRIBUTES", $"reserved bits 15:4 set (0x{(ushort)range.Attributes:X4})");
            }

            if (range.NumberOfPages == 0)
            {
                Fail(i, "NUMBER_OF_PAGES", "an empty range");
            }

            if ((range.FirstPage & (TdispMmioRange.PageSize - 1)) != 0)
            {
                Fail(i, "FIRST_PAGE", $"0x{range.FirstPage:X} is not the address of a 4 KiB page");
            }

            if (range.RangeId >= GuestPciDevice.BarCount || FindBar(bars, range.RangeId) is not { IsAssigned: true } bar)
            {
                Fail(i, "RANGE_ID", $"{range.RangeId} names no assigned memory BAR of the device");
                continue;
            }

            var offset = mode == TdispOffsetMode.BarAligned
                ? range.FirstPage & (bar.Size - 1)
                : range.FirstPage - LowestFirstPage(ranges, range.RangeId);
            if (offset > bar.Size || range.SizeBytes > bar.Size - offset)
            {
                Fail(i, "NUMBER_OF_PAGES", $"range at BAR {bar.Index} offset 0x{offset:X} of 0x{range.SizeBytes:X} bytes overflows the 0x{bar.Size:X}-byte BAR");
            }

            placed[i] = new TdiMmioRange(i, bar.Index, bar.Address + offset, range.SizeBytes, range.Attributes);
            for (var j = 0; j < i; j++)
            {
                if (placed[j].Gpa < placed[i].End && placed[i].Gpa < placed[j].End)
                {
                    Fail(i, "FIRST_PAGE", $"overlaps MMIO_RANGE[{j}]");
                }
            }
        }

        return placed;
    }

    private static PciBar? FindBar(IReadOnlyList<PciBar> bars, int index)
    {
        foreach (var bar in bars)
        {
            if (bar.Index == index)
            {
                return bar;
            }
        }

        return null;
    }

    private static ulong LowestFirstPage(IReadOnlyList<TdispMmioRange> ranges, ushort rangeId)
    {
        var lowest = ulong.MaxValue;
        foreach (var range in ranges)
        {
            if (range.RangeId == rangeId && range.FirstPage < lowest)
            {
                lowest = range.FirstPage;
            }
        }

        return lowest;
    }

    private static void Fail(int index, string field, string reason) =>
        throw new ProtocolFormatException($"{Name}.MMIO_RANGE[{index}].{field}", reason);
}
