using SevTio.Hw.Platform;

namespace SevTio.Hw.Tests.Device;

/// <summary>
/// Timing mode at burst level completes planned writes (IOMMU, commit times, latency) inline, or on the second worker
/// when <see cref="PlatformConfiguration.OffloadTimingWrites"/> asks for it. Which thread does it must not change a
/// simulated figure (DESIGN.md, "Simulated time": same configuration and seed, same results).
/// </summary>
public sealed class BurstTimingWriteCompletionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OffloadedAndInlineCompletion_SimulatedFiguresIdentical(bool random)
    {
        // 16 MiB through an 8 MiB window: every page twice, far more pages than the 64-entry IOTLB and the RMP cache hold.
        var workload = new DmaWorkload { TotalBytes = 16L << 20, WindowBytes = 8UL << 20, JobBytes = 4L << 20, Random = random };
        using var inline = new DmaRun(DmaRun.Config(functional: false, workers: 1), workload);
        using var offloaded = new DmaRun(DmaRun.Config(functional: false, workers: 2) with { OffloadTimingWrites = true }, workload);

        Assert.Equal(0, inline.Platform.BurstTransport!.BatchesConsumed);
        Assert.True(offloaded.Platform.BurstTransport!.BatchesConsumed > 0, "the worker completed no write plans");

        Assert.Equal(inline.End, offloaded.End);
        Assert.Equal(16L << 20, offloaded.Statistics.BytesWritten);
        Assert.Equal(inline.Statistics.TransfersWritten, offloaded.Statistics.TransfersWritten);
        Assert.Equal(inline.Statistics.FirstDataIssued, offloaded.Statistics.FirstDataIssued);
        Assert.Equal(inline.Statistics.LastDataDone, offloaded.Statistics.LastDataDone);
        var a = inline.Statistics.WriteLatency;
        var b = offloaded.Statistics.WriteLatency;
        Assert.Equal((a.Count, a.Min, a.Max, a.Total), (b.Count, b.Min, b.Max, b.Total));
        Assert.Equal(a.Percentile(0.5), b.Percentile(0.5));
        Assert.Equal(a.Percentile(0.99), b.Percentile(0.99));

        var i = inline.Platform.Iommu.Counters;
        var o = offloaded.Platform.Iommu.Counters;
        Assert.Equal((i.Translations, i.IotlbHits, i.IotlbMisses, i.Walks, i.WalkReads), (o.Translations, o.IotlbHits, o.IotlbMisses, o.Walks, o.WalkReads));
        var ri = inline.Platform.Rmp.Counters;
        var ro = offloaded.Platform.Rmp.Counters;
        Assert.Equal((ri.Checks, ri.CacheHits, ri.CacheMisses, ri.EntryReads), (ro.Checks, ro.CacheHits, ro.CacheMisses, ro.EntryReads));
    }

    [Fact]
    public void TwoWorkersWithoutOffload_CompletesWritesInline()
    {
        var workload = new DmaWorkload { TotalBytes = 1L << 20, WindowBytes = 1UL << 20 };
        using var run = new DmaRun(DmaRun.Config(functional: false, workers: 2), workload);

        Assert.Equal(0, run.Platform.BurstTransport!.BatchesConsumed);
        Assert.Equal(1L << 20, run.Statistics.BytesWritten);
    }
}
