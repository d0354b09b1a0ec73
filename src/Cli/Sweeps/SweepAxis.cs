using SevTio.Hw.Simulation;

namespace SevTio.Cli.Sweeps;

/// <summary>One <c>--vary key=v1,v2,...</c>: a key and the values it takes, in the order given.</summary>
/// <remarks>
/// A preset's axis may instead name a setting that is several keys at once (<see cref="Assignments"/>): e.g. "ide" with
/// "off" = <c>ide.enabled=false</c> and "agg4" = <c>ide.enabled=true, ide.aggregation=4</c>, so no point repeats another.
/// </remarks>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values)
{
    /// <summary>For a composite axis: the <c>key=value</c> assignments each value stands for; null for a plain key.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Assignments { get; init; }

    /// <summary>A composite axis: each named value stands for the given <c>key=value</c> assignments.</summary>
    public static SweepAxis Composite(string name, params (string Value, string[] Assignments)[] values) =>
        new(name, [.. values.Select(v => v.Value)])
        {
            Assignments = values.ToDictionary(v => v.Value, v => (IReadOnlyList<string>)v.Assignments, StringComparer.Ordinal),
        };

    /// <summary>Applies this axis's <paramref name="value"/> to a configuration.</summary>
    public void Apply(Configuration.ScenarioConfig config, string value)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (Assignments is null)
        {
            config.Set(Key, value);
            return;
        }

        foreach (var assignment in Assignments[value])
        {
            config.SetAssignment(assignment);
        }
    }

    public static SweepAxis Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new ParameterException("--vary", text, "is not of the form key=v1,v2,...");
        }

        var values = text[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == 0)
        {
            throw new ParameterException("--vary", text, "lists no values");
        }

        return new SweepAxis(text[..eq].Trim(), values);
    }
}
