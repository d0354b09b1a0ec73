using SevTio.Guest.Pci;
using SevTio.Guest.Tsm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Tests;

/// <summary>
/// The report's MMIO ranges placed in the guest's BARs (PCIe §11.3.11: FIRST_PAGE is a byte address with the reporting
/// offset added, RANGE_ID the BAR index), and every way a report can disagree with the device the guest enumerated.
/// </summary>
public sealed class InterfaceReportMmioTests
{
    private const ulong HostBar0 = 0x38_0000_0000;
    private const ulong HostBar2 = 0x38_0001_0000;

    private static readonly PciBar[] Bars =
    [
        new(0, 0xE000_0000, 0x1_0000, true, false),
        new(2, 0xE001_0000, 0x4000, false, false),
    ];

    private static TdispDeviceInterfaceReport Report(params TdispMmioRange[] ranges) => new(TdispInterfaceInfo.None, 0, 0, 0, ranges, []);

    private static string RejectedField(TdispDeviceInterfaceReport report, IReadOnlyList<PciBar>? bars = null) =>
        Assert.Throws<ProtocolFormatException>(() => InterfaceReportMmio.Map(report, bars ?? Bars, TdispOffsetMode.RelativeToFirstRange)).Field;

    [Fact]
    public void Map_RelativeMode_EachBarsLowestRangeAtOffsetZero_AnyReportingOffset()
    {
        const ulong offset = 0x7_1234_5000;
        var report = Report(
            new TdispMmioRange(HostBar0 + offset, 8, TdispMmioRangeAttributes.None, 0),
            new TdispMmioRange(HostBar0 + 0x8000 + offset, 8, TdispMmioRangeAttributes.IsNonTeeMem, 0),
            new TdispMmioRange(HostBar2 + offset, 1, TdispMmioRangeAttributes.MsixTable, 2),
            new TdispMmioRange(HostBar2 + 0x1000 + offset, 1, TdispMmioRangeAttributes.MsixPba, 2));

        var ranges = InterfaceReportMmio.Map(report, Bars, TdispOffsetMode.RelativeToFirstRange);

        Assert.Equal([0xE000_0000UL, 0xE000_8000, 0xE001_0000, 0xE001_1000], ranges.Select(r => r.Gpa));
        Assert.Equal([0x8000UL, 0x8000, 0x1000, 0x1000], ranges.Select(r => r.Size));
        Assert.Equal([0, 0, 2, 2], ranges.Select(r => r.Bar));
        Assert.Equal([true, false, false, false], ranges.Select(r => r.IsTee));
    }

    [Fact]
    public void Map_BarAlignedMode_MasksByTheBarSize()
    {
        var report = Report(new TdispMmioRange(HostBar0 + 0x4000, 4, TdispMmioRangeAttributes.None, 0));

        var range = Assert.Single(InterfaceReportMmio.Map(report, Bars, TdispOffsetMode.BarAligned));

        Assert.Equal(0xE000_4000UL, range.Gpa);

        // The seed's relative reading puts a BAR's only range at offset 0.
        Assert.Equal(0xE000_0000UL, Assert.Single(InterfaceReportMmio.Map(report, Bars, TdispOffsetMode.RelativeToFirstRange)).Gpa);
    }

    [Fact]
    public void Map_RangeOverflowsItsBar_Rejected() =>
        Assert.EndsWith("MMIO_RANGE[0].NUMBER_OF_PAGES", RejectedField(Report(new TdispMmioRange(HostBar2, 5, TdispMmioRangeAttributes.None, 2))), StringComparison.Ordinal);

    [Fact]
    public void Map_SecondRangeRunsPastTheBarEnd_Rejected() =>
        Assert.EndsWith("MMIO_RANGE[1].NUMBER_OF_PAGES", RejectedField(Report(
            new TdispMmioRange(HostBar2, 2, TdispMmioRangeAttributes.None, 2),
            new TdispMmioRange(HostBar2 + 0x2000, 3, TdispMmioRangeAttributes.None, 2))), StringComparison.Ordinal);

    [Theory]
    [InlineData(1)] // BAR1 is the upper half of 64-bit BAR0
    [InlineData(5)] // not implemented
    [InlineData(6)] // not a BAR index at all
    [InlineData(0xFFFF)]
    public void Map_RangeIdNamesNoBar_Rejected(int rangeId) =>
        Assert.EndsWith("MMIO_RANGE[0].RANGE_ID", RejectedField(Report(new TdispMmioRange(HostBar0, 1, TdispMmioRangeAttributes.None, (ushort)rangeId))), StringComparison.Ordinal);

    [Fact]
    public void Map_BarNotAssignedByTheGuest_Rejected()
    {
        var bars = new[] { new PciBar(0, 0, 0x1_0000, true, false) };
        Assert.EndsWith("RANGE_ID", RejectedField(Report(new TdispMmioRange(HostBar0, 1, TdispMmioRangeAttributes.None, 0)), bars), StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EmptyRange_Rejected() =>
        Assert.EndsWith("NUMBER_OF_PAGES", RejectedField(Report(new TdispMmioRange(HostBar0, 0, TdispMmioRangeAttributes.None, 0))), StringComparison.Ordinal);

    [Fact]
    public void Map_FirstPageNotPageAligned_Rejected() =>
        Assert.EndsWith("FIRST_PAGE", RejectedField(Report(new TdispMmioRange(HostBar0 + 0x10, 1, TdispMmioRangeAttributes.None, 0))), StringComparison.Ordinal);

    [Fact]
    public void Map_ReservedAttributeBits_Rejected() =>
        Assert.EndsWith("RANGE_ATTRIBUTES", RejectedField(Report(new TdispMmioRange(HostBar0, 1, (TdispMmioRangeAttributes)0x0010, 0))), StringComparison.Ordinal);

    [Fact]
    public void Map_OverlappingRanges_Rejected() =>
        Assert.EndsWith("MMIO_RANGE[1].FIRST_PAGE", RejectedField(Report(
            new TdispMmioRange(HostBar0, 4, TdispMmioRangeAttributes.None, 0),
            new TdispMmioRange(HostBar0 + 0x3000, 2, TdispMmioRangeAttributes.IsNonTeeMem, 0))), StringComparison.Ordinal);

    [Fact]
    public void Map_ErrorsNameTheReport() =>
        Assert.StartsWith(TdispDeviceInterfaceReport.Name, RejectedField(Report(new TdispMmioRange(HostBar0, 0, TdispMmioRangeAttributes.None, 0))), StringComparison.Ordinal);
}
