using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Running;
using SevTio.EndToEnd.Tests.Telemetry;

namespace SevTio.EndToEnd.Tests.Goldens;

/// <summary>
/// Golden simulated results (tests/Goldens/*.json): each file holds a scenario and the simulated figures a run of it
/// produced, compared EXACTLY (round-trip doubles). These are regression guards recorded from our own output, not
/// independent expectations: a change that moves a figure fails here with the old and new figures side by side, and
/// must update the goldens in the same commit (<c>SEVTIO_UPDATE_GOLDENS=1 dotnet test tests/EndToEnd -c Release
/// --filter FullyQualifiedName~Golden</c> rewrites them). Host-time figures are not simulated and are left out.
/// </summary>
public class GoldenResultTests
{
    public const string UpdateVariable = "SEVTIO_UPDATE_GOLDENS";

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(GoldenDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Run_Scenario_SimulatedFiguresEqualTheGolden(string file)
    {
        var path = Path.Combine(GoldenDirectory, file);
        var golden = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var config = new ScenarioConfig();
        config.LoadJson(golden["scenario"]!.ToJsonString(), path);
        config.Validate();

        var now = Simulated(ScenarioRunner.Run(config, new RunOptions()));
        var old = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in golden["figures"]?.AsObject() ?? [])
        {
            old[name] = value!.GetValue<double>();
        }

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            var figures = new JsonObject();
            foreach (var (name, value) in now)
            {
                figures[name] = value;
            }

            golden["figures"] = figures;
            File.WriteAllText(path, golden.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return;
        }

        var table = Differences(old, now);
        Assert.True(table is null, $"{file}: simulated figures differ from the golden (a regression guard recorded from our own output).\n{table}" +
            $"If the change is intended, rewrite the goldens in the same commit: {UpdateVariable}=1 dotnet test tests/EndToEnd -c Release --filter FullyQualifiedName~Golden");
    }

    [Fact]
    public void Differences_MovedMissingAndNewFigures_AreListedSideBySide()
    {
        var old = new SortedDictionary<string, double>(StringComparer.Ordinal) { ["a"] = 1.5, ["b"] = 2, ["gone"] = 3 };
        var now = new SortedDictionary<string, double>(StringComparer.Ordinal) { ["a"] = 1.5, ["b"] = 2.0000000000000004, ["new"] = 4 };

        var table = Differences(old, now)!;

        Assert.DoesNotContain("| a |", table, StringComparison.Ordinal);
        Assert.Contains("| b | 2 | 2.0000000000000004 |", table, StringComparison.Ordinal);
        Assert.Contains("| gone | 3 | (missing) |", table, StringComparison.Ordinal);
        Assert.Contains("| new | (missing) | 4 |", table, StringComparison.Ordinal);
        Assert.Null(Differences(old, new SortedDictionary<string, double>(old, StringComparer.Ordinal)));
    }

    private static string GoldenDirectory => Path.Combine(AspireDashboardProcess.RepositoryRoot(), "tests", "Goldens");

    /// <summary>The run's figures that depend only on the scenario: everything but host time and what is derived from it.</summary>
    private static SortedDictionary<string, double> Simulated(RunResult result)
    {
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in result.Metrics)
        {
            if (!metric.Name.StartsWith("host.", StringComparison.Ordinal) && metric.Name is not ("sim.realtime_factor" or "sim.events_per_s" or "sim.workers"))
            {
                figures[metric.Name] = metric.Value;
            }
        }

        return figures;
    }

    /// <summary>A Markdown table of the figures that differ (null when none), round-trip formatted.</summary>
    internal static string? Differences(SortedDictionary<string, double> old, SortedDictionary<string, double> now)
    {
        static string Text(double? v) => v is { } d ? d.ToString("R", CultureInfo.InvariantCulture) : "(missing)";
        var table = new StringBuilder("| figure | golden | now |\n|---|---:|---:|\n");
        var any = false;
        foreach (var name in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            double? before = old.TryGetValue(name, out var b) ? b : null;
            double? after = now.TryGetValue(name, out var a) ? a : null;
            if (before is { } x && after is { } y && x.Equals(y))
            {
                continue;
            }

            any = true;
            table.Append(CultureInfo.InvariantCulture, $"| {name} | {Text(before)} | {Text(after)} |\n");
        }

        return any ? table.ToString() : null;
    }
}
