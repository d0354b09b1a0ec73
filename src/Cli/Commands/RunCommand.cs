using System.CommandLine;
using System.Globalization;
using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Running;
using SevTio.Cli.Telemetry;
using Spectre.Console;

namespace SevTio.Cli.Commands;

/// <summary><c>sevtio run</c>: one scenario, a summary table on stdout, progress on stderr, optional JSON and CSV results.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Scenario file (JSON; nested objects or dotted keys)." };
        var set = new Option<string[]>("--set") { Description = "Override a key: --set link.gen=4 (repeatable).", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result as JSON." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Write the result as CSV." };
        var quiet = new Option<bool>("--quiet") { Description = "No summary table and no progress." };
        var metrics = new Option<string?>("--metrics") { Description = "Export metrics: 'console'." };
        var otlp = new Option<string?>("--otlp") { Description = "Send traces and metrics to an OTLP/HTTP receiver, e.g. http://127.0.0.1:4318." };
        var traceJson = new Option<FileInfo?>("--trace-json") { Description = "Write a Chrome/Perfetto trace of the run (simulated time)." };
        var compare = new Option<string?>("--compare") { Description = "Run the scenario once per value of a key and print them side by side: --compare guest.dma_mode=bounce,direct." };

        var cmd = new Command("run", "Run one scenario (default: the full trust flow, then bulk DMA into private memory over Gen5 x16 with IDE).")
        {
            scenario, set, json, csv, quiet, metrics, otlp, traceJson, compare,
        };
        cmd.SetAction(parse =>
        {
            ScenarioConfig Load(string? extra)
            {
                var loaded = new ScenarioConfig();
                if (parse.GetValue(scenario) is { } file)
                {
                    loaded.LoadFile(file.FullName);
                }

                foreach (var assignment in parse.GetValue(set) ?? [])
                {
                    loaded.SetAssignment(assignment);
                }

                if (extra is not null)
                {
                    loaded.SetAssignment(extra);
                }

                loaded.Validate();
                return loaded;
            }

            if (parse.GetValue(compare) is { } comparison)
            {
                return CompareCommand.Run(comparison, Load, parse.GetValue(json), parse.GetValue(quiet), output, error);
            }

            var config = Load(null);
            var metricsMode = parse.GetValue(metrics);
            if (metricsMode is not null and not "console" and not "none")
            {
                throw new Hw.Simulation.ParameterException("--metrics", metricsMode, "is not one of console, none");
            }

            var otlpUri = parse.GetValue(otlp) is { } o ? TelemetrySession.ParseOtlp(o) : null;
            var isQuiet = parse.GetValue(quiet);
            var session = new TelemetrySession(metricsMode == "console", otlpUri);
            var traceFile = parse.GetValue(traceJson);
            using var trace = traceFile is null ? null : new ChromeTraceRecorder();
            var flushed = false;
            void Flush()
            {
                if (!flushed)
                {
                    flushed = true;
                    session.Dispose();
                }
            }

            RunResult result;
            var progress = isQuiet ? null : new ProgressLine(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            try
            {
                // The telemetry session flushes while the run's meters still exist.
                result = ScenarioRunner.Run(config, new RunOptions
                {
                    Progress = trace is null ? progress : trace.Sampling(progress),
                    BeforeTeardown = Flush,
                    PlatformCreated = platform =>
                    {
                        session.Observe();
                        trace?.Observe(platform);
                    },
                });
            }
            finally
            {
                progress?.Finish();
                Flush();
            }

            if (trace is not null)
            {
                using var stream = File.Create(traceFile!.FullName);
                trace.Write(stream, $"sevtio run: {result.Scenario}");
            }

            if (parse.GetValue(json) is { } jsonFile)
            {
                File.WriteAllText(jsonFile.FullName, result.ToJson());
            }

            if (parse.GetValue(csv) is { } csvFile)
            {
                File.WriteAllText(csvFile.FullName, result.ToCsv());
            }

            if (!isQuiet)
            {
                Summary(result, output);
            }

            return Failed(result) ? SevTioCommand.ExitCheckFailed : SevTioCommand.ExitOk;
        });
        return cmd;
    }

    /// <summary>A check of the run failed: DMA jobs that did not complete, or data the guest found altered.</summary>
    internal static bool Failed(RunResult result) =>
        (result.TryGet("dma.jobs_failed", out var failed) && failed > 0) || (result.TryGet("guest.data_errors", out var errors) && errors > 0)
        || (result.TryGet("faults.bytes_lost", out var lost) && lost > 0) || (result.TryGet("faults.undetected", out var undetected) && undetected > 0);

    private static void Summary(RunResult result, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        string Config(string key) => result.Config.FirstOrDefault(kv => kv.Key == key).Value ?? "?";
        string Value(string name, string format) => result.TryGet(name, out var v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

        var title = $"sevtio run: {result.Scenario} — gen {Config("link.gen")} x{Config("link.width")}, MPS {Config("link.mps")}, " +
                    $"IDE {(Config("ide.enabled") == "true" ? "on" : "off")}, {Config("workload.direction")} {Config("workload.transfer_size")} × {Config("workload.total")}, " +
                    $"{Config("sim.fidelity")}/{Config("crypto.mode")}";
        var table = new Table().Title(Markup.Escape(title)).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("unit");
        void Row(string label, string name, string format, string unit) => table.AddRow(Markup.Escape(label), Value(name, format), Markup.Escape(unit));

        Row("simulated throughput", "dma.bandwidth_gbps", "0.00", "Gb/s");
        Row("transfer latency p50", "dma.latency_ns.p50", "0.0", "ns");
        Row("transfer latency p99", "dma.latency_ns.p99", "0.0", "ns");
        Row("IDE overhead (link model)", "ide.overhead_ratio", "0.00%", string.Empty);
        Row("payload moved", "dma.bytes", "N0", "B");
        Row("TLPs on the link", "link.tlps", "N0", string.Empty);
        Row("IOTLB misses", "iommu.iotlb_misses", "N0", string.Empty);
        Row("RMP checks / violations", "rmp.checks", "N0", string.Empty);
        table.AddRow(string.Empty, Value("rmp.check_violations", "N0"), "violations");
        Row("simulated time", "sim.time_s", "0.000000", "s");
        Row("host time", "host.time_s", "0.000", "s");
        Row("host throughput", "host.payload_gbytes_per_s", "0.000", "GB/s");
        Row("real-time factor", "sim.realtime_factor", "0.000", "sim s / host s");
        Row("events", "sim.events", "N0", string.Empty);
        Row("guest CPU copying (SWIOTLB)", "guest.copy_time_s", "0.000000", "s");
        Row("guest CPU converting pages", "guest.conversion_time_s", "0.000000", "s");
        Row("guest exits (DMA phase)", "guest.exits", "N0", string.Empty);
        Row("data checked / errors", "guest.data_checked_bytes", "N0", "B");
        table.AddRow(string.Empty, Value("guest.data_errors", "N0"), "errors");
        if (result.TryGet("faults.injected", out _))
        {
            Row("link faults injected", "faults.injected", "N0", string.Empty);
            Row("faults detected", "faults.detected", "N0", string.Empty);
            Row("recoveries", "faults.recovered", "N0", string.Empty);
            Row("bytes lost", "faults.bytes_lost", "N0", "B");
        }

        console.Write(table);

        var trust = new Table().Title("trust flow (simulated)").AddColumn("phase").AddColumn(new TableColumn("time").RightAligned()).AddColumn("unit");
        foreach (var (label, name) in TrustPhases)
        {
            trust.AddRow(Markup.Escape(label), result.TryGet(name, out var v) ? (v * 1e6).ToString("0.0", CultureInfo.InvariantCulture) : "n/a", "µs");
        }

        console.Write(trust);
        if (result.TryGet("dma.jobs_failed", out var failed) && failed > 0)
        {
            console.MarkupLine($"[red]{failed.ToString(CultureInfo.InvariantCulture)} DMA job(s) failed or never completed.[/]");
        }

        if (result.TryGet("faults.bytes_lost", out var lost) && lost > 0)
        {
            console.MarkupLine($"[red]{lost.ToString(CultureInfo.InvariantCulture)} byte(s) lost to link faults.[/]");
        }
    }

    /// <summary>The trust flow's phases as the summary shows them.</summary>
    internal static readonly (string Label, string Metric)[] TrustPhases =
    [
        ("SPDM session (connect)", "trust.spdm_s"),
        ("IDE key programming (connect)", "trust.key_program_s"),
        ("host connect, whole", "trust.connect_s"),
        ("guest lock (BIND, TDISP LOCK)", "trust.lock_s"),
        ("guest report fetch and check", "trust.report_s"),
        ("guest accept (RUN, sDTE, MMIO)", "trust.accept_s"),
        ("driver bind", "trust.driver_bind_s"),
        ("guest unlock", "trust.unlock_s"),
    ];

    /// <summary>
    /// Progress on stderr for runs longer than a second: one self-overwriting line on a terminal, plain lines every
    /// 10% otherwise (logs, CI).
    /// </summary>
    internal sealed class ProgressLine(TextWriter error, bool terminal) : IProgress<double>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _lastDecile = -1;
        private bool _wrote;

        public void Report(double value)
        {
            if (_clock.Elapsed.TotalSeconds < 1)
            {
                return;
            }

            var percent = (int)(value * 100);
            if (terminal)
            {
                error.Write($"\rsevtio: DMA {percent,3}%  ({_clock.Elapsed.TotalSeconds:0.0} s)");
                _wrote = true;
                return;
            }

            var decile = percent / 10;
            if (decile != _lastDecile)
            {
                _lastDecile = decile;
                error.WriteLine($"sevtio: DMA {percent}% ({_clock.Elapsed.TotalSeconds:0.0} s)");
            }
        }

        public void Finish()
        {
            if (_wrote)
            {
                error.WriteLine();
            }
        }
    }
}
