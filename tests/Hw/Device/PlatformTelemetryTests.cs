using System.Diagnostics;
using System.Diagnostics.Metrics;
using SevTio.Hw.Device;
using SevTio.Hw.Telemetry;
using SevTio.Hw.Platform;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>
/// The platform publishes its counters through its own <see cref="Meter"/> instances (DESIGN.md, "Telemetry"):
/// instruments named under <c>sevtio.</c> with UCUM units, observable counters read at collection, one histogram
/// recording per job; two platforms running at once never see each other's figures.
/// </summary>
public sealed class PlatformTelemetryTests
{
    private sealed class Collected
    {
        public Dictionary<string, long> Longs { get; } = [];

        public Dictionary<string, double> Doubles { get; } = [];

        public Dictionary<string, string?> Units { get; } = [];
    }

    private static Collected RunAndCollect(int transferSize, long total)
    {
        var collected = new Collected();
        using var run = new DmaRun(DmaRun.Config(functional: false), new DmaWorkload { TransferSize = transferSize, TotalBytes = total, WindowBytes = 1 << 20, JobBytes = total / 4 }, r => r.Platform.CreateInstruments());
        var mine = run.Platform.Meters.ToHashSet();
        Assert.Equal(5, mine.Count);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (mine.Contains(instrument.Meter))
                {
                    collected.Units[instrument.Name] = instrument.Unit;
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) =>
        {
            var key = i.Name + (tags.Length > 0 ? "/" + tags[0].Value : string.Empty);
            lock (collected)
            {
                collected.Longs[key] = value;
            }
        });
        listener.SetMeasurementEventCallback<double>((i, value, _, _) =>
        {
            lock (collected)
            {
                collected.Doubles[i.Name] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(run.Statistics.BytesWritten, collected.Longs["sevtio.dma.io/write"]);
        Assert.Equal(run.Platform.Link.UpstreamPort.Statistics.TlpsSent, collected.Longs["sevtio.pcie.tlps/upstream"]);
        Assert.Equal(run.Platform.Iommu.Counters.IotlbMisses, collected.Longs["sevtio.iommu.iotlb.misses"]);
        Assert.Equal(run.Platform.Rmp.Counters.Violations, collected.Longs["sevtio.rmp.check.violations"]);
        return collected;
    }

    [Fact]
    public void Instruments_HaveSevtioNamesAndUcumUnits_AndReportThisPlatformsCounters()
    {
        var c = RunAndCollect(4096, 1 << 20);

        Assert.Equal("By", c.Units["sevtio.dma.io"]);
        Assert.Equal("{tlp}", c.Units["sevtio.pcie.tlps"]);
        Assert.Equal("{miss}", c.Units["sevtio.iommu.iotlb.misses"]);
        Assert.Equal("{violation}", c.Units["sevtio.rmp.check.violations"]);
        Assert.Equal("s", c.Units["sevtio.dma.job.duration"]);
        Assert.Equal("s", c.Units["sevtio.dma.transfer.latency.p50"]);
        Assert.All(c.Units.Keys, name => Assert.StartsWith("sevtio.", name, StringComparison.Ordinal));
        Assert.True(c.Doubles["sevtio.dma.transfer.latency.p50"] > 0);
    }

    [Fact]
    public async Task TwoPlatformsAtOnce_DoNotCrossTalk()
    {
        var a = Task.Run(() => RunAndCollect(4096, 1 << 20));
        var b = Task.Run(() => RunAndCollect(512, 256 << 10));

        Assert.Equal(1 << 20, (await a).Longs["sevtio.dma.io/write"]);
        Assert.Equal(256 << 10, (await b).Longs["sevtio.dma.io/write"]);
    }

    [Fact]
    public void JobDuration_RecordedOncePerJob_InSimulatedSeconds()
    {
        var durations = new List<double>();
        MeterListener? listener = null;
        using var run = new DmaRun(DmaRun.Config(functional: false), new DmaWorkload { TotalBytes = 1 << 20, WindowBytes = 1 << 20, JobBytes = 256 << 10 }, r =>
        {
            r.Platform.CreateInstruments();
            var mine = r.Platform.Meters.ToHashSet();
            listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (mine.Contains(instrument.Meter) && instrument.Name == "sevtio.dma.job.duration")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<double>((_, value, _, _) => durations.Add(value));
            listener.Start();
        });
        listener!.Dispose();

        Assert.Equal(4, run.Driver.JobsCompleted);
        Assert.Equal(4, durations.Count);

        // A quarter of a MiB at about 50 GB/s plus a descriptor round trip: a few microseconds of simulated time each.
        Assert.All(durations, d => Assert.InRange(d, 2e-6, 20e-6));
    }

    [Fact]
    public void DmaJob_IsASpanOnSimulatedTime()
    {
        const ulong cookie = 0x5E70_C0FF_EE00_0001;
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DmaStatistics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("sevtio.dma.cookie") is long c && (ulong)c == cookie)
                {
                    lock (spans)
                    {
                        spans.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var platform = new SevTioPlatform(DmaRun.Config(functional: false));
        var guest = HwOnlyBringUp.Run(platform);
        var start = platform.Scheduler.Now;
        guest.WriteDescriptor(0, new DmaDescriptor(DmaOpcode.Write, 0, 0, 64, 4096, 0, guest.WindowGpa, 1 << 20, 0, guest.CompletionGpa, cookie));
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();

        var span = Assert.Single(spans);
        Assert.Equal("dma.job", span.OperationName);
        var startPs = (long)span.GetTagItem(SimSpan.StartAttribute)!;
        var endPs = (long)span.GetTagItem(SimSpan.EndAttribute)!;
        Assert.True(startPs >= start.Picoseconds);
        Assert.InRange(endPs - startPs, 5_000_000, 20_000_000); // 256 KiB at ~50 GB/s plus a descriptor fetch: ~6 us
        Assert.Equal(SimSpan.ToTimestamp(SevTio.Hw.Simulation.SimTime.FromPicoseconds(startPs)), span.StartTimeUtc);
        Assert.Equal("Success", span.GetTagItem("sevtio.dma.status"));
    }
}
