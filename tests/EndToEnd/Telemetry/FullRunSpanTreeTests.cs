using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Running;
using SevTio.Cli.Telemetry;

namespace SevTio.EndToEnd.Tests.Telemetry;

/// <summary>
/// The spans of a whole <c>sevtio run</c> (trust flow, DMA, unlock), collected with the CLI's ActivityListener: names,
/// nesting that mirrors who called whom (guest → GHCB exit → host → PSP → DOE → device), and durations equal to the
/// simulated phase times the run reports.
/// </summary>
public class FullRunSpanTreeTests
{
    internal static (RunResult Result, IReadOnlyList<TraceSpan> Spans) Run(params string[] sets)
    {
        var config = new ScenarioConfig();
        foreach (var s in sets)
        {
            config.SetAssignment(s);
        }

        config.Validate();
        using var recorder = new ChromeTraceRecorder();
        var result = ScenarioRunner.Run(config, new RunOptions { PlatformCreated = recorder.Observe });
        return (result, recorder.Spans);
    }

    internal static string Chain(TraceSpan span, IReadOnlyDictionary<string, TraceSpan> byId)
    {
        var names = new List<string>();
        for (TraceSpan? at = span; at is not null; at = at.ParentSpanId is { } p && byId.TryGetValue(p, out var parent) ? parent : null)
        {
            names.Add(at.Name);
        }

        names.Reverse();
        return string.Join(" > ", names);
    }

    [Fact]
    public void Run_WholeFlow_SpanTreeMirrorsTheCallsAndLastsThePhaseTimes()
    {
        var (result, spans) = Run("workload.total=8MiB", "workload.window=8MiB", "crypto.mode=timing");
        var byId = spans.ToDictionary(s => s.SpanId);
        var chains = spans.Select(s => Chain(s, byId)).ToHashSet();

        // Who called whom, end to end.
        Assert.Contains("host.tio_op > psp.command > spdm.session.establish > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("host.tio_op > psp.command > ide.key.program > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("tsm.lock > ghcb.exit > host.vmgexit > host.tio_op > psp.command > tdisp.lock_interface > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("tsm.lock > ghcb.exit > host.vmgexit > host.tio_op > psp.command > tdisp.get_report > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("tsm.lock > ghcb.exit > host.vmgexit > psp.command > guest.request", chains);
        Assert.Contains("tsm.accept > ghcb.exit > host.vmgexit > host.tio_op > psp.command > tdisp.start_interface > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("tsm.unlock > ghcb.exit > host.vmgexit > host.tio_op > psp.command > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("dma.job", chains);

        // Every child inside its parent on simulated time.
        foreach (var span in spans.Where(s => s.ParentSpanId is not null))
        {
            var parent = byId[span.ParentSpanId!];
            Assert.InRange(span.StartPicoseconds, parent.StartPicoseconds, parent.EndPicoseconds);
            Assert.InRange(span.EndPicoseconds, span.StartPicoseconds, parent.EndPicoseconds);
        }

        // The run's phase times are the spans' simulated durations, to the picosecond.
        long Picoseconds(string metric) => (long)Math.Round(result[metric] * 1e12);
        long Single(string name, string? op = null) =>
            spans.Single(s => s.Name == name && (op is null || s.Tags.Contains(new("sevtio.host.op", op)))).DurationPicoseconds;
        Assert.Equal(Picoseconds("trust.connect_s"), Single("host.tio_op", "connect"));
        Assert.Equal(Picoseconds("trust.spdm_s"), Single("spdm.session.establish"));
        Assert.Equal(Picoseconds("trust.key_program_s"), Single("ide.key.program"));
        Assert.Equal(Picoseconds("trust.tdisp_lock_s"), Single("tdisp.lock_interface"));
        Assert.Equal(Picoseconds("trust.tdisp_start_s"), Single("tdisp.start_interface"));
        Assert.Equal(Picoseconds("trust.accept_s"), Single("tsm.accept"));
        Assert.Equal(Picoseconds("trust.unlock_s"), Single("tsm.unlock"));

        // Guest lock is BIND then the report fetch and check: the two reported phases make up tsm.lock.
        Assert.Equal(Picoseconds("trust.lock_s") + Picoseconds("trust.report_s"), Single("tsm.lock"));

        // The DMA jobs: as many spans as the run reports, carrying its payload.
        var jobs = spans.Where(s => s.Name == "dma.job").ToList();
        Assert.Equal(result["dma.jobs"], jobs.Count);
        Assert.Equal(result["dma.bytes"], jobs.Sum(j => long.Parse(j.Tags.Single(t => t.Key == "sevtio.dma.bytes").Value, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
