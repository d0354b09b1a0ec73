using System.Diagnostics;
using System.Text.Json;
using SevTio.Hw.Telemetry;

namespace SevTio.EndToEnd.Tests.Telemetry;

/// <summary>
/// A real OTLP receiver end to end: the Aspire Dashboard (restored by tools/AspireDashboard) receives a
/// <c>sevtio run --otlp</c> from a separate process; its <c>/api/telemetry/traces</c> answer (OTLP JSON) must hold the
/// run's spans with their parent/child links and durations that are the simulated times. Not skippable: without the
/// restored dashboard the test fails and says how to restore it.
/// </summary>
public class AspireDashboardTests
{
    [Fact]
    public async Task Run_OverOtlp_DashboardHoldsTheSpanTreeOnSimulatedTime()
    {
        using var dashboard = await AspireDashboardProcess.StartAsync(TimeSpan.FromSeconds(30));
        var result = Path.Combine(Path.GetTempPath(), $"sevtio-otlp-{Guid.NewGuid():N}.json");
        try
        {
            // The whole flow (connect, lock, accept, DMA, unlock) on a small timing-mode workload.
            var (exit, output) = await RunCliAsync(
                "run", "--quiet", "--otlp", dashboard.OtlpHttp.ToString(), "--json", result,
                "--set", "workload.total=16MiB", "--set", "workload.window=16MiB", "--set", "crypto.mode=timing");
            Assert.True(exit == 0, $"sevtio run exited {exit}:\n{output}");
            using var run = JsonDocument.Parse(File.ReadAllText(result));
            var metrics = run.RootElement.GetProperty("metrics");
            double Metric(string name) => metrics.GetProperty(name).GetProperty("value").GetDouble();

            var jobCount = (int)Metric("dma.jobs");
            var spans = await WaitForSpansAsync(dashboard, s => s.Name == "dma.job", jobCount);

            // Only the run's own platform: the once-per-process warm-up's jobs are not exported.
            var jobs = spans.Where(s => s.Name == "dma.job").ToList();
            Assert.Equal(jobCount, jobs.Count);
            Assert.All(jobs, j => Assert.Equal("SevTio.Dma", j.Scope));
            Assert.Equal(Metric("dma.bytes"), jobs.Sum(j => long.Parse(j.Attributes["sevtio.dma.bytes"])));

            // The tree as the receiver reassembles it from parent span ids: guest → GHCB exit → host → PSP → DOE → device.
            var byId = spans.ToDictionary(s => s.SpanId);
            string Chain(OtlpSpan span)
            {
                var names = new List<string>();
                for (OtlpSpan? at = span; at is not null; at = at.ParentSpanId is { } p && byId.TryGetValue(p, out var parent) ? parent : null)
                {
                    names.Add(at.Name);
                }

                names.Reverse();
                return string.Join(" > ", names);
            }

            var chains = spans.Select(Chain).ToHashSet();
            Assert.Contains("tsm.lock > ghcb.exit > host.vmgexit > host.tio_op > psp.command > tdisp.lock_interface > host.spdm_relay > doe.exchange > dsm.handle", chains);
            Assert.Contains("host.tio_op > psp.command > spdm.session.establish > host.spdm_relay > doe.exchange > dsm.handle", chains);
            Assert.Contains("tsm.accept > ghcb.exit > host.vmgexit > psp.command > guest.request", chains);
            foreach (var span in spans.Where(s => s.ParentSpanId is not null))
            {
                Assert.True(byId.TryGetValue(span.ParentSpanId!, out var parent), $"{span.Name}'s parent {span.ParentSpanId} was not exported");
                Assert.Equal(parent.TraceId, span.TraceId);
                Assert.InRange(span.StartPs, parent.StartPs, parent.EndPs);
            }

            // Durations are simulated time: the wall-clock fields are epoch + simulated time at DateTime's 100 ns,
            // so they equal the exact picoseconds truncated to 100 ns ...
            foreach (var span in spans)
            {
                Assert.Equal(Ticks(span.StartPs) * 100, span.StartUnixNano - EpochUnixNano);
                Assert.Equal(Math.Max(Ticks(span.EndPs), Ticks(span.StartPs) + 1) * 100, span.EndUnixNano - EpochUnixNano);
            }

            // ... and the exact picoseconds are the phase times the run reports.
            long Picoseconds(string metric) => (long)Math.Round(Metric(metric) * 1e12);
            long Duration(string name) => spans.Single(s => s.Name == name) is var s ? s.EndPs - s.StartPs : 0;
            Assert.Equal(Picoseconds("trust.spdm_s"), Duration("spdm.session.establish"));
            Assert.Equal(Picoseconds("trust.key_program_s"), Duration("ide.key.program"));
            Assert.Equal(Picoseconds("trust.tdisp_lock_s"), Duration("tdisp.lock_interface"));
            Assert.Equal(Picoseconds("trust.accept_s"), Duration("tsm.accept"));
            Assert.Equal(Picoseconds("trust.unlock_s"), Duration("tsm.unlock"));
            Assert.Equal(Picoseconds("trust.lock_s") + Picoseconds("trust.report_s"), Duration("tsm.lock"));
        }
        finally
        {
            File.Delete(result);
        }
    }

    private static readonly long EpochUnixNano = (SimSpan.Epoch - DateTime.UnixEpoch).Ticks * 100;

    private static long Ticks(long picoseconds) => picoseconds / 100_000;

    internal sealed record OtlpSpan(string Scope, string Name, string TraceId, string SpanId, string? ParentSpanId, long StartUnixNano, long EndUnixNano, IReadOnlyDictionary<string, string> Attributes)
    {
        public long StartPs => long.Parse(Attributes[SimSpan.StartAttribute]);

        public long EndPs => long.Parse(Attributes[SimSpan.EndAttribute]);
    }

    /// <summary>Polls the dashboard until at least <paramref name="count"/> spans match (ingestion is asynchronous).</summary>
    internal static async Task<List<OtlpSpan>> WaitForSpansAsync(AspireDashboardProcess dashboard, Func<OtlpSpan, bool> match, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var doc = await dashboard.GetTracesAsync();
            var spans = Parse(doc);
            if (spans.Count(match) >= count || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                return spans;
            }

            await Task.Delay(200);
        }
    }

    private static List<OtlpSpan> Parse(JsonDocument doc)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resource in doc.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.GetProperty("scope").GetProperty("name").GetString()!;
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var attributes = new Dictionary<string, string>();
                    if (span.TryGetProperty("attributes", out var list))
                    {
                        foreach (var a in list.EnumerateArray())
                        {
                            // The dashboard answers every attribute value as a string (an int comes back as stringValue).
                            var value = a.GetProperty("value");
                            attributes[a.GetProperty("key").GetString()!] = value.EnumerateObject().First().Value.ToString();
                        }
                    }

                    var parent = span.TryGetProperty("parentSpanId", out var p) && p.GetString() is { Length: > 0 } ps ? ps : null;
                    spans.Add(new OtlpSpan(
                        scopeName, span.GetProperty("name").GetString()!, span.GetProperty("traceId").GetString()!, span.GetProperty("spanId").GetString()!, parent,
                        long.Parse(span.GetProperty("startTimeUnixNano").GetString()!), long.Parse(span.GetProperty("endTimeUnixNano").GetString()!), attributes));
                }
            }
        }

        return spans;
    }

    /// <summary>Runs the CLI (SevTio.Cli.dll beside the tests) in its own process, as a user would.</summary>
    internal static async Task<(int Exit, string Output)> RunCliAsync(params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SevTio.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
