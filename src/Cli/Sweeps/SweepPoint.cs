using SevTio.Cli.Configuration;
using SevTio.Cli.Results;

namespace SevTio.Cli.Sweeps;

/// <summary>One point of the cross product: the varied values, the resolved configuration, and (after running) the result.</summary>
public sealed class SweepPoint(int index, IReadOnlyList<KeyValuePair<string, string>> varied, ScenarioConfig config)
{
    public int Index { get; } = index;

    public IReadOnlyList<KeyValuePair<string, string>> Varied { get; } = varied;

    public ScenarioConfig Config { get; } = config;

    public RunResult? Result { get; set; }

    /// <summary>"link.gen=4, ide.aggregation=2" — the label of the line this point belongs to, leaving out one key.</summary>
    public string Label(string? except = null) =>
        string.Join(", ", Varied.Where(kv => kv.Key != except).Select(kv => $"{kv.Key}={kv.Value}"));
}
