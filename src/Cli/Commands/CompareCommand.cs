using System.Globalization;
using System.Text.Json.Nodes;
using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Running;
using SevTio.Hw.Simulation;
using Spectre.Console;

namespace SevTio.Cli.Commands;

/// <summary>
/// <c>sevtio run --compare KEY=V1,V2,...</c>: the scenario once per value of one key, in that order, and a table with
/// one column per value (simulated throughput and latency, guest CPU time copying and converting pages, exits, the
/// trust flow). <c>--json</c> writes <c>{"compare": {key, values}, "runs": [run results]}</c>.
/// </summary>
internal static class CompareCommand
{
    private static readonly (string Label, string Metric, string Format, double Scale, string Unit)[] Rows =
    [
        ("simulated throughput (data span)", "dma.bandwidth_gbps", "0.00", 1, "Gb/s"),
        ("effective throughput (DMA phase)", "dma.effective_gbps", "0.00", 1, "Gb/s"),
        ("transfer latency p50", "dma.latency_ns.p50", "0.0", 1, "ns"),
        ("transfer latency p99", "dma.latency_ns.p99", "0.0", 1, "ns"),
        ("DMA phase (simulated)", "sim.time_s", "0.0", 1e6, "µs"),
        ("guest CPU copying (SWIOTLB)", "guest.copy_time_s", "0.0", 1e6, "µs"),
        ("guest CPU converting pages", "guest.conversion_time_s", "0.0", 1e6, "µs"),
        ("guest CPU per DMA second", "guest.cpu_overhead_ratio", "0.00%", 1, string.Empty),
        ("bytes bounced", "guest.bounced_bytes", "N0", 1, "B"),
        ("pages converted", "guest.converted_pages", "N0", 1, string.Empty),
        ("guest exits", "guest.exits", "N0", 1, string.Empty),
        ("interrupts handled", "guest.interrupts", "N0", 1, string.Empty),
        ("DMA jobs", "dma.jobs", "N0", 1, string.Empty),
        ("direct into private memory", "guest.dma_direct", "0", 1, string.Empty),
        ("data errors", "guest.data_errors", "N0", 1, "B"),
        ("host time", "host.time_s", "0.000", 1, "s"),
    ];

    public static int Run(string comparison, Func<string?, ScenarioConfig> load, FileInfo? json, bool quiet, TextWriter output, TextWriter error)
    {
        var eq = comparison.IndexOf('=', StringComparison.Ordinal);
        var key = eq > 0 ? comparison[..eq].Trim() : string.Empty;
        var values = eq > 0 ? comparison[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (key.Length == 0 || values.Length == 0)
        {
            throw new ParameterException("--compare", comparison, "must be KEY=V1,V2,... (for example guest.dma_mode=bounce,direct)");
        }

        // Every configuration is checked before anything runs (exit 2 names the key).
        var configs = values.Select(v => load($"{key}={v}")).ToList();
        var results = new List<RunResult>();
        foreach (var config in configs)
        {
            var progress = quiet ? null : new RunCommand.ProgressLine(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            results.Add(ScenarioRunner.Run(config, new RunOptions { Progress = progress }));
            progress?.Finish();
        }

        if (json is not null)
        {
            var root = new JsonObject
            {
                ["compare"] = new JsonObject { ["key"] = key, ["values"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) },
                ["runs"] = new JsonArray(results.Select(r => JsonNode.Parse(r.ToJson())).ToArray()),
            };
            File.WriteAllText(json.FullName, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }

        if (!quiet)
        {
            Print(key, values, results, output);
        }

        return results.Any(RunCommand.Failed) ? SevTioCommand.ExitCheckFailed : SevTioCommand.ExitOk;
    }

    private static void Print(string key, string[] values, List<RunResult> results, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Title(Markup.Escape($"sevtio run --compare {key}")).AddColumn("figure");
        foreach (var v in values)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"{key}={v}")).RightAligned());
        }

        table.AddColumn("unit");
        void Add(string label, string metric, string format, double scale, string unit)
        {
            var cells = new List<string> { Markup.Escape(label) };
            cells.AddRange(results.Select(r => r.TryGet(metric, out var x) ? (x * scale).ToString(format, CultureInfo.InvariantCulture) : "n/a"));
            cells.Add(Markup.Escape(unit));
            table.AddRow(cells.ToArray());
        }

        foreach (var (label, metric, format, scale, unit) in Rows)
        {
            Add(label, metric, format, scale, unit);
        }

        foreach (var (label, metric) in RunCommand.TrustPhases)
        {
            Add("trust: " + label, metric, "0.0", 1e6, "µs");
        }

        console.Write(table);
    }
}
