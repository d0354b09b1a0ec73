using System.Diagnostics;
using System.Diagnostics.Metrics;
using SevTio.Guest.Dma;
using SevTio.Guest.Telemetry;
using SevTio.Guest.Tests.Fakes;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;
using Xunit.Abstractions;

namespace SevTio.Guest.Tests;

/// <summary>Spans on simulated time, the guest meter, and the figures of the report (printed, and checked for sense).</summary>
[Collection("ActivityListeners")]
public sealed class TelemetryAndFiguresTests(ITestOutputHelper output)
{
    [Fact]
    public void TsmOperations_EmitSpansOnSimulatedTime_WithExitsNestedInside()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == GuestTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var f = new GuestFixture();

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));

        var mine = spans.Where(s => (string?)s.GetTagItem("pci.address") is not null || s.OperationName == "ghcb.exit").ToList();
        var accept = Assert.Single(mine, s => s.OperationName == "tsm.accept");
        Assert.Single(mine, s => s.OperationName == "tsm.lock");
        Assert.Single(mine, s => s.OperationName == "tsm.unlock");
        var children = mine.Where(s => s.ParentSpanId == accept.SpanId).ToList();
        Assert.Contains(children, s => (string?)s.GetTagItem("sevtio.tio.action") == "Run");
        Assert.Contains(children, s => (string?)s.GetTagItem("sevtio.guest.msg_type") == "TioSdteWriteRequest");
        var start = (long)accept.GetTagItem(SimSpan.StartAttribute)!;
        var end = (long)accept.GetTagItem(SimSpan.EndAttribute)!;
        Assert.Equal(f.Device.Tsm?.PhaseTimes.Accept.Picoseconds ?? end - start, end - start);
        Assert.True(end - start >= f.Hypervisor.RunCost.Picoseconds);
    }

    [Fact]
    public void Meter_PublishesBounceAndConversionCounters()
    {
        using var f = new GuestFixture(new GuestKernelOptions { SwiotlbSize = 1UL << 20 });
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GuestTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values[i.Name] = v);
        listener.Start();
        Assert.True(f.Kernel.Ram.TryAllocate(1, out var buffer));
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 4096, DmaDirection.ToDevice, out var m));
        Assert.Equal(Errno.None, f.Kernel.Dma.AllocCoherent(f.Device, 4096, out _));

        listener.RecordObservableInstruments();

        Assert.Equal(4096, values["sevtio.guest.bounce.bytes"]);
        Assert.Equal(1, values["sevtio.guest.conversion.pages"]);
        Assert.Equal(f.Kernel.Accounting.CopyTime.TotalSeconds, values["sevtio.guest.bounce.time"]);
        Assert.Equal(4096, values["sevtio.guest.swiotlb.used"]);
        Assert.Equal(f.Platform.Vcpu.Exits, values["sevtio.guest.exits"]);
        _ = m;
    }

    /// <summary>
    /// The report's figures: the trust flow against the fake host and PSP (whose own costs are fake constants), and the
    /// guest CPU time of one workload in bounce and in direct mode. Printed; the assertion is the claim the figures make.
    /// </summary>
    [Fact]
    public void Figures_TrustFlowPhases_AndBounceVersusDirectCpuTime()
    {
        using var f = new GuestFixture();
        var exits0 = f.Platform.Vcpu.Exits;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        var tdi = f.Device.Tsm!;
        var exits1 = f.Platform.Vcpu.Exits;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        var exits2 = f.Platform.Vcpu.Exits;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));
        var exits3 = f.Platform.Vcpu.Exits;
        output.WriteLine($"fake host: BIND {f.Hypervisor.BindCost}, RUN {f.Hypervisor.RunCost}, STOP {f.Hypervisor.StopCost}, UNBIND {f.Hypervisor.UnbindCost}, PSP guest request {f.Psp.RequestCost}, world switch {f.Platform.Vcpu.WorldSwitchCost}");
        output.WriteLine($"lock   {tdi.PhaseTimes.Lock} (exits {exits1 - exits0} incl. report)");
        output.WriteLine($"report {tdi.PhaseTimes.Report}");
        output.WriteLine($"accept {tdi.PhaseTimes.Accept} (exits {exits2 - exits1})");
        output.WriteLine($"unlock {tdi.PhaseTimes.Unlock} (exits {exits3 - exits2})");
        output.WriteLine($"guest crypto {f.Kernel.Accounting.MessageCryptoTime}, digests {f.Kernel.Accounting.DigestTime}");

        var bounce = Workload(accept: false);
        var direct = Workload(accept: true);
        output.WriteLine($"workload: 64 x (4 KiB write + 4 KiB read) mappings, one 16 KiB coherent ring");
        output.WriteLine($"bounce: copy {bounce.Copy}, convert {bounce.Convert}, exits {bounce.Exits}, bounced {bounce.Bytes} B, total guest time {bounce.Elapsed}");
        output.WriteLine($"direct: copy {direct.Copy}, convert {direct.Convert}, exits {direct.Exits}, bounced {direct.Bytes} B, total guest time {direct.Elapsed}");

        Assert.True(bounce.Copy > SimTime.Zero && bounce.Convert > SimTime.Zero && bounce.Exits > 0);
        Assert.Equal((SimTime.Zero, SimTime.Zero, 0L, 0L), (direct.Copy, direct.Convert, direct.Exits, direct.Bytes));
    }

    private static (SimTime Copy, SimTime Convert, long Exits, long Bytes, SimTime Elapsed) Workload(bool accept)
    {
        using var f = new GuestFixture();
        if (accept)
        {
            Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
            Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        }

        Assert.True(f.Kernel.Ram.TryAllocate(128, out var buffers));
        f.Kernel.Accounting.Reset();
        var exits = f.Platform.Vcpu.Exits;
        var start = f.Platform.Scheduler.Now;
        Assert.Equal(Errno.None, f.Kernel.Dma.AllocCoherent(f.Device, 16 * 1024, out var ring));
        for (var i = 0; i < 64; i++)
        {
            var gpa = buffers + ((ulong)i * 8192);
            Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, gpa, 4096, DmaDirection.ToDevice, out var write));
            Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, gpa + 4096, 4096, DmaDirection.FromDevice, out var read));
            Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, write));
            Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, read));
        }

        Assert.Equal(Errno.None, f.Kernel.Dma.FreeCoherent(ring));
        var a = f.Kernel.Accounting;
        return (a.CopyTime, a.ConversionTime, f.Platform.Vcpu.Exits - exits, a.BouncedBytes, f.Platform.Scheduler.Now - start);
    }
}

[CollectionDefinition("ActivityListeners", DisableParallelization = true)]
public sealed class ActivityListenersCollection;
