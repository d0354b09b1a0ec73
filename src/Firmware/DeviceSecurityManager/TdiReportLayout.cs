using SevTio.Protocols.Tdisp;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// Lays out the MMIO ranges of an interface report from the TDI's BARs (PCIe §11.3.11): BAR order, RANGE_ID = BAR
/// index, FIRST_PAGE = BAR base + offset + MMIO_REPORTING_OFFSET (byte address of a 4 KiB page), sizes in 4 KiB pages.
/// A BAR holding the MSI-X table or PBA is split around them: with LOCK_MSIX they carry the MSI-X table / PBA
/// attribute (and are TEE memory), without it they are host-owned, IS_NON_TEE_MEM. A non-TEE BAR is non-TEE whole.
/// </summary>
internal static class TdiReportLayout
{
    public const ulong PageSize = TdispMmioRange.PageSize;

    /// <summary>A reported range before the reporting offset: BAR, byte offset in the BAR, length, attributes.</summary>
    public readonly record struct BarRange(int BarIndex, ulong Offset, ulong Length, TdispMmioRangeAttributes Attributes);

    /// <summary>Lays out the ranges, or returns a reason the configuration cannot be reported.</summary>
    public static string? TryLayout(IReadOnlyList<TdiBar> bars, TdiMsixLayout? msix, bool lockMsix, out List<BarRange> ranges)
    {
        ranges = [];
        foreach (var bar in bars.Where(b => !b.IsExpansionRom && b.Size > 0).OrderBy(b => b.Index))
        {
            var barLength = RoundUp(bar.Size);
            var special = new List<BarRange>();
            if (msix is { } m)
            {
                var msixAttributes = lockMsix ? TdispMmioRangeAttributes.None : TdispMmioRangeAttributes.IsNonTeeMem;
                if (m.TableBar == bar.Index)
                {
                    special.Add(Region(bar.Index, m.TableOffset, m.TableLength, msixAttributes | (lockMsix ? TdispMmioRangeAttributes.MsixTable : 0)));
                }

                if (m.PbaBar == bar.Index)
                {
                    special.Add(Region(bar.Index, m.PbaOffset, m.PbaLength, msixAttributes | (lockMsix ? TdispMmioRangeAttributes.MsixPba : 0)));
                }
            }

            special.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            var cursor = 0UL;
            var baseAttributes = bar.IsNonTeeMemory ? TdispMmioRangeAttributes.IsNonTeeMem : TdispMmioRangeAttributes.None;
            foreach (var s in special)
            {
                if (s.Offset < cursor)
                {
                    return $"BAR {bar.Index}: the MSI-X table and PBA share a 4 KiB page";
                }

                if (s.Offset + s.Length > barLength)
                {
                    return $"BAR {bar.Index}: MSI-X structure at 0x{s.Offset:X} runs past the BAR";
                }

                if (s.Offset > cursor)
                {
                    ranges.Add(new BarRange(bar.Index, cursor, s.Offset - cursor, baseAttributes));
                }

                ranges.Add(s with { Attributes = s.Attributes | baseAttributes });
                cursor = s.Offset + s.Length;
            }

            if (cursor < barLength)
            {
                ranges.Add(new BarRange(bar.Index, cursor, barLength - cursor, baseAttributes));
            }
        }

        return null;
    }

    public static TdispMmioRange ToReported(BarRange range, IReadOnlyList<TdiBar> bars, ulong reportingOffset)
    {
        var bar = bars.First(b => b.Index == range.BarIndex && !b.IsExpansionRom);
        return new TdispMmioRange(
            unchecked(bar.Base + range.Offset + reportingOffset),
            checked((uint)(range.Length / PageSize)),
            range.Attributes,
            (ushort)range.BarIndex);
    }

    private static BarRange Region(int bar, ulong offset, ulong length, TdispMmioRangeAttributes attributes)
    {
        var start = offset & ~(PageSize - 1);
        return new BarRange(bar, start, RoundUp(offset + Math.Max(length, 1)) - start, attributes);
    }

    private static ulong RoundUp(ulong value) => (value + PageSize - 1) & ~(PageSize - 1);
}
