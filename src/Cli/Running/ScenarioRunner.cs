using SevTio.Cli.Configuration;
using SevTio.Cli.Results;

namespace SevTio.Cli.Running;

/// <summary>Runs one resolved scenario and returns its result. Thread-safe: sweeps call it from several threads.</summary>
public static class ScenarioRunner
{
    public static RunResult Run(ScenarioConfig config, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        cancellation.ThrowIfCancellationRequested();
        var result = new RunResult(config.Name, config.Resolved, Provenance.Capture());
        progress?.Report(1.0);
        return result;
    }
}
