using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Running;

namespace SevTio.EndToEnd.Tests.Dma;

/// <summary>Runs <c>sevtio run</c>'s scenario runner with <c>--set</c>-style assignments.</summary>
internal static class Scenario
{
    /// <summary>Metrics that describe the host, not the simulation (they differ run to run).</summary>
    public static readonly HashSet<string> HostMetrics = ["host.time_s", "host.bringup_time_s", "host.payload_gbytes_per_s", "sim.realtime_factor", "sim.events_per_s", "sim.workers", "host.warmup_time_s"];

    public static RunResult Run(int? workers, params string[] assignments)
    {
        var config = new ScenarioConfig();
        foreach (var a in assignments)
        {
            config.SetAssignment(a);
        }

        config.Validate();
        return ScenarioRunner.Run(config, new RunOptions { Workers = workers });
    }

    public static RunResult Run(params string[] assignments) => Run(null, assignments);

    /// <summary>The simulated figures of a result, by name.</summary>
    public static Dictionary<string, double> Simulated(RunResult result) =>
        result.Metrics.Where(m => !HostMetrics.Contains(m.Name)).ToDictionary(m => m.Name, m => m.Value);
}
