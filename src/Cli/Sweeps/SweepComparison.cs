using System.Globalization;

namespace SevTio.Cli.Sweeps;

/// <summary>How a point compares with its baseline: the fraction lost, or the speed-up.</summary>
public enum SweepComparisonKind
{
    /// <summary>1 − value / baseline, shown as a percentage (what a feature costs).</summary>
    Loss,

    /// <summary>value / baseline, shown as "1.23×" (what one setting gains over another).</summary>
    Speedup,
}

/// <summary>
/// A derived column of a preset's table: each point's <see cref="Metric"/> against the point that differs from it only
/// in <see cref="AxisKey"/>, which there takes <see cref="BaselineValue"/> (e.g. the same generation and size with IDE off).
/// </summary>
public sealed record SweepComparison(string AxisKey, string BaselineValue, string Metric, string Title, SweepComparisonKind Kind)
{
    /// <summary>The comparison of every point (null for baseline points and points whose baseline has no figure).</summary>
    public IReadOnlyDictionary<SweepPoint, double?> Evaluate(Sweep sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var baselines = new Dictionary<string, SweepPoint>(StringComparer.Ordinal);
        foreach (var p in sweep.Points)
        {
            if (Value(p) == BaselineValue)
            {
                baselines[p.Label(AxisKey)] = p;
            }
        }

        var result = new Dictionary<SweepPoint, double?>();
        foreach (var p in sweep.Points)
        {
            double? cell = null;
            if (Value(p) != BaselineValue && baselines.TryGetValue(p.Label(AxisKey), out var b)
                && p.Result is not null && p.Result.TryGet(Metric, out var x)
                && b.Result is not null && b.Result.TryGet(Metric, out var y) && y != 0)
            {
                cell = Kind == SweepComparisonKind.Loss ? 1 - (x / y) : x / y;
            }

            result[p] = cell;
        }

        return result;
    }

    /// <summary>"5.41%" or "1.87×"; "baseline" on a baseline point, "n/a" without figures.</summary>
    public string Format(SweepPoint point, double? value) =>
        Value(point) == BaselineValue ? "baseline"
        : value is not { } v ? "n/a"
        : Kind == SweepComparisonKind.Loss ? (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%"
        : v.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    private string? Value(SweepPoint p)
    {
        foreach (var kv in p.Varied)
        {
            if (kv.Key == AxisKey)
            {
                return kv.Value;
            }
        }

        return null;
    }
}
