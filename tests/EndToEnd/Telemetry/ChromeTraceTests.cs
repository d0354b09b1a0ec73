using System.Diagnostics;
using System.Text.Json;
using SevTio.Cli;
using SevTio.Cli.Telemetry;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.EndToEnd.Tests.Telemetry;

/// <summary><c>sevtio run --trace-json</c>: a Trace Event Format file with tracks, counters and flows on simulated time.</summary>
public class ChromeTraceTests
{
    [Fact]
    public void RunTraceJson_TimingRun_HoldsDmaJobsCountersAndTracks()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"sevtio-trace-{Guid.NewGuid():N}.json");
        var result = Path.Combine(Path.GetTempPath(), $"sevtio-run-{Guid.NewGuid():N}.json");
        try
        {
            // The whole flow, then 130 MiB of DMA in jobs of at most 64 MiB: three descriptors.
            var exit = SevTioCommand.Invoke(
                ["run", "--quiet", "--set", "workload.total=130MiB", "--set", "crypto.mode=timing", "--trace-json", trace, "--json", result],
                new StringWriter(), new StringWriter());
            Assert.Equal(0, exit);

            using var doc = JsonDocument.Parse(File.ReadAllText(trace));
            var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            var threads = events.Where(e => Ph(e) == "M" && e.GetProperty("name").GetString() == "thread_name")
                .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString());
            Assert.Contains(events, e => Ph(e) == "M" && e.GetProperty("name").GetString() == "process_name");

            // One track per component, in call order (guest first, DMA last), and flow arrows that pair up.
            var order = threads.OrderBy(t => t.Key).Select(t => t.Value!).Where(n => !n.Contains('#', StringComparison.Ordinal)).ToList();
            Assert.Equal(["SevTio.Guest", "SevTio.Host", "SevTio.Psp", "SevTio.Doe", "SevTio.Dsm", "SevTio.Dma"], order);
            var starts = events.Where(e => Ph(e) == "s").Select(e => e.GetProperty("id").GetInt32()).ToList();
            var finishes = events.Where(e => Ph(e) == "f").Select(e => e.GetProperty("id").GetInt32()).ToList();
            Assert.NotEmpty(starts);
            Assert.Equal(starts.Order(), finishes.Order());

            var jobs = events.Where(e => Ph(e) == "X" && e.GetProperty("name").GetString() == "dma.job").ToList();
            Assert.Equal(3, jobs.Count);
            Assert.Equal(130L << 20, jobs.Sum(j => long.Parse(j.GetProperty("args").GetProperty("sevtio.dma.bytes").GetString()!)));
            foreach (var job in jobs)
            {
                var args = job.GetProperty("args");
                var startPs = args.GetProperty("sim_start_ps").GetInt64();
                var endPs = args.GetProperty("sim_end_ps").GetInt64();
                Assert.Equal(startPs / 1e6, job.GetProperty("ts").GetDouble(), 9);
                Assert.Equal((endPs - startPs) / 1e6, job.GetProperty("dur").GetDouble(), 9);
                Assert.StartsWith("SevTio.Dma", threads[job.GetProperty("tid").GetInt32()], StringComparison.Ordinal);
            }

            var counters = events.Where(e => Ph(e) == "C").ToList();
            foreach (var name in new[] { "link.credits.posted", "link.credits.non_posted", "link.tlps_in_flight", "link.wire_bytes", "dma.queue_depth" })
            {
                Assert.Contains(counters, c => c.GetProperty("name").GetString() == name);
            }

            // Counters are on the simulated clock, in order, and the last wire-byte sample is the run's own total.
            var times = counters.Select(c => c.GetProperty("ts").GetDouble()).ToList();
            Assert.Equal(times.Order().ToList(), times);
            var lastWire = counters.Last(c => c.GetProperty("name").GetString() == "link.wire_bytes").GetProperty("args");
            using var run = JsonDocument.Parse(File.ReadAllText(result));
            var wire = run.RootElement.GetProperty("metrics").GetProperty("link.wire_bytes").GetProperty("value").GetDouble();
            Assert.Equal(wire, lastWire.GetProperty("device_to_root").GetInt64() + lastWire.GetProperty("root_to_device").GetInt64());
            Assert.Contains(counters, c => c.GetProperty("name").GetString() == "dma.queue_depth" && c.GetProperty("args").GetProperty("jobs").GetInt32() > 0);
        }
        finally
        {
            File.Delete(trace);
            File.Delete(result);
        }
    }

    [Fact]
    public void Write_SpansAcrossComponents_TracksInCallOrderAndFlowsFromParentToChild()
    {
        // guest.request (guest) → psp.command (PSP) → doe.exchange (DOE) → dsm.handle (device firmware), plus a
        // second PSP span that overlaps the first without nesting in it.
        TraceSpan Span(string source, string name, string id, string? parent, long start, long end) => new(source, name, id, parent, start, end, []);
        var spans = new List<TraceSpan>
        {
            Span("SevTio.Dsm", "dsm.handle", "d", "c", 3_000_000, 4_000_000),
            Span("SevTio.Doe", "doe.exchange", "c", "b", 2_500_000, 5_000_000),
            Span("SevTio.Psp", "psp.command", "b", "a", 2_000_000, 6_000_000),
            Span("SevTio.Guest", "guest.request", "a", null, 1_000_000, 7_000_000),
            Span("SevTio.Psp", "psp.command", "e", null, 5_500_000, 8_000_000),
        };

        using var stream = new MemoryStream();
        ChromeTraceWriter.Write(stream, "test", spans, [new TraceCounter("dma.queue_depth", SimTime.FromNanoseconds(1), [("jobs", 2)])]);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();

        var threads = events.Where(e => Ph(e) == "M" && e.GetProperty("name").GetString() == "thread_name")
            .OrderBy(e => e.GetProperty("tid").GetInt32())
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Equal(["SevTio.Guest", "SevTio.Psp", "SevTio.Psp #2", "SevTio.Doe", "SevTio.Dsm"], threads);

        var slices = events.Where(e => Ph(e) == "X").ToDictionary(e => e.GetProperty("args").GetProperty("span_id").GetString()!);
        Assert.Equal(1.0, slices["a"].GetProperty("ts").GetDouble());
        Assert.Equal(6.0, slices["a"].GetProperty("dur").GetDouble());
        Assert.Equal(2.5, slices["c"].GetProperty("ts").GetDouble());
        int Tid(string id) => slices[id].GetProperty("tid").GetInt32();
        Assert.Equal(Tid("b") + 1, Tid("e"));

        // One arrow per parent→child edge that crosses tracks: a→b, b→c, c→d; e has no parent.
        var starts = events.Where(e => Ph(e) == "s").ToList();
        var finishes = events.Where(e => Ph(e) == "f").ToList();
        Assert.Equal(3, starts.Count);
        foreach (var (parent, child) in new[] { ("a", "b"), ("b", "c"), ("c", "d") })
        {
            var s = starts.Single(e => e.GetProperty("tid").GetInt32() == Tid(parent));
            var f = finishes.Single(e => e.GetProperty("id").GetInt32() == s.GetProperty("id").GetInt32());
            Assert.Equal(Tid(child), f.GetProperty("tid").GetInt32());
            Assert.Equal(slices[child].GetProperty("ts").GetDouble(), s.GetProperty("ts").GetDouble());
            Assert.Equal(slices[child].GetProperty("ts").GetDouble(), f.GetProperty("ts").GetDouble());
            Assert.Equal("e", f.GetProperty("bp").GetString());
        }

        var counter = Assert.Single(events, e => Ph(e) == "C");
        Assert.Equal(0.001, counter.GetProperty("ts").GetDouble());
        Assert.Equal(2, counter.GetProperty("args").GetProperty("jobs").GetInt32());
    }

    [Fact]
    public void Recorder_SpansOfOtherThreads_AreNotRecorded()
    {
        using var source = new ActivitySource("SevTio.TraceTest");
        using var recorder = new ChromeTraceRecorder();
        using var platform = new Hw.Platform.SevTioPlatform(new Hw.Platform.PlatformConfiguration { DmaWindowBytes = 1 << 20 });
        recorder.Observe(platform);

        SimSpan.End(SimSpan.Start(source, "mine", SimTime.FromNanoseconds(5)), SimTime.FromNanoseconds(7));
        var other = new Thread(() => SimSpan.End(SimSpan.Start(source, "theirs", SimTime.Zero), SimTime.FromNanoseconds(1)));
        other.Start();
        other.Join();

        var span = Assert.Single(recorder.Spans, s => s.Source == "SevTio.TraceTest");
        Assert.Equal("mine", span.Name);
        Assert.Equal(5_000, span.StartPicoseconds);
        Assert.Equal(2_000, span.DurationPicoseconds);
    }

    private static string? Ph(JsonElement e) => e.GetProperty("ph").GetString();
}
