namespace SevTio.Cli.Sweeps;

/// <summary>
/// A built-in sweep (<c>sevtio sweep --preset NAME</c>) that answers one question: the scenario settings, the axes, the
/// figures its table shows and a comparison column against a baseline setting. Presets are data; the sweep machinery
/// runs them like any <c>--vary</c> sweep, and <c>--set</c> still overrides the scenario.
/// </summary>
public sealed record SweepPreset(
    string Name,
    string Question,
    IReadOnlyList<string> Settings,
    IReadOnlyList<SweepAxis> Axes,
    IReadOnlyList<string> Figures,
    SweepComparison Comparison)
{
    /// <summary>
    /// What IDE costs, with and without aggregation, across link generations and transfer sizes (timing mode: the
    /// link and IDE bytes are the same as in functional mode, without the cipher work). Aggregation 8 needs MPS 128
    /// at most (1 KiB per aggregated unit), so at the default MPS 256 the axis stops at 4.
    /// </summary>
    public static SweepPreset IdeOverhead { get; } = new(
        "ide-overhead",
        "What does IDE cost in simulated DMA write bandwidth, with and without MAC aggregation, per link generation and transfer size?",
        ["crypto.mode=timing", "workload.direction=write", "workload.total=4MiB", "workload.window=4MiB"],
        [
            new SweepAxis("link.gen", ["3", "4", "5", "6"]),
            SweepAxis.Composite(
                "ide",
                ("off", ["ide.enabled=false"]),
                ("agg1", ["ide.enabled=true", "ide.aggregation=1"]),
                ("agg2", ["ide.enabled=true", "ide.aggregation=2"]),
                ("agg4", ["ide.enabled=true", "ide.aggregation=4"])),
            new SweepAxis("workload.transfer_size", ["64B", "256B", "1KiB", "4KiB", "64KiB"]),
        ],
        ["dma.bandwidth_gbps", "dma.latency_ns.p50", "ide.overhead_ratio"],
        new SweepComparison("ide", "off", "dma.bandwidth_gbps", "bandwidth lost to IDE", SweepComparisonKind.Loss));

    /// <summary>
    /// What trusted DMA (an accepted device writing straight into private memory) saves over bounce buffers (SWIOTLB:
    /// shared slots plus the guest's copies), for writes and reads across transfer sizes, with real data moved (functional mode). Compared on
    /// the DMA phase's end-to-end throughput (payload / phase time, the guest's copies included); the link-level
    /// bandwidth is shown beside it.
    /// </summary>
    public static SweepPreset BounceVsDirect { get; } = new(
        "bounce-vs-direct",
        "What does trusted DMA into private memory gain over bounce buffers (end to end, guest copies included), per direction and transfer size?",
        ["crypto.mode=functional", "workload.total=8MiB", "workload.window=8MiB"],
        [
            new SweepAxis("guest.dma_mode", ["bounce", "direct"]),
            new SweepAxis("workload.direction", ["write", "read"]),
            new SweepAxis("workload.transfer_size", ["4KiB", "256KiB"]),
        ],
        ["dma.effective_gbps", "dma.bandwidth_gbps", "guest.copy_time_s", "guest.cpu_overhead_ratio"],
        new SweepComparison("guest.dma_mode", "bounce", "dma.effective_gbps", "end-to-end speed-up of direct over bounce", SweepComparisonKind.Speedup));

    public static IReadOnlyList<SweepPreset> All { get; } = [IdeOverhead, BounceVsDirect];

    public static SweepPreset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
