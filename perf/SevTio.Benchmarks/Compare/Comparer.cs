using System.Globalization;
using System.Text;

namespace SevTio.Benchmarks.Compare;

public enum Verdict
{
    Same,
    Faster,
    Slower,
    AllocationRegression,
    AllocationImprovement,
    Missing,
    New,
}

public sealed record Comparison(string Name, double BaseMedianNs, double NewMedianNs, double Ratio, double PValue, long? BaseAllocated, long? NewAllocated, Verdict Verdict);

/// <summary>
/// Compares two sets of benchmark results the way dotnet/performance's ResultsComparer does: a benchmark counts as
/// slower only when a one-sided Mann-Whitney test says the new samples exceed the base samples scaled by the threshold
/// AND the medians differ by more than an absolute noise floor (both must hold). Allocated bytes per operation are
/// deterministic, so they are gated exactly.
/// </summary>
public static class Comparer
{
    public const double Alpha = 0.05;

    public static IReadOnlyList<Comparison> Compare(IReadOnlyList<BenchmarkCase> baseline, IReadOnlyList<BenchmarkCase> current, double threshold, double noiseNs)
    {
        var result = new List<Comparison>();
        var byName = current.GroupBy(c => c.FullName).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        foreach (var b in baseline.GroupBy(c => c.FullName).Select(g => g.Last()))
        {
            if (!byName.Remove(b.FullName, out var n))
            {
                result.Add(new(b.FullName, b.Median, double.NaN, double.NaN, double.NaN, b.AllocatedBytesPerOperation, null, Verdict.Missing));
                continue;
            }

            result.Add(CompareOne(b, n, threshold, noiseNs));
        }

        foreach (var n in byName.Values)
        {
            result.Add(new(n.FullName, double.NaN, n.Median, double.NaN, double.NaN, null, n.AllocatedBytesPerOperation, Verdict.New));
        }

        return result;
    }

    private static Comparison CompareOne(BenchmarkCase b, BenchmarkCase n, double threshold, double noiseNs)
    {
        var ratio = n.Median / b.Median;
        var scaledUp = b.NanosecondsPerOperation.Select(v => v * (1 + threshold)).ToArray();
        var scaledDown = b.NanosecondsPerOperation.Select(v => v * (1 - threshold)).ToArray();
        var pSlower = MannWhitney.PValueGreater(scaledUp, n.NanosecondsPerOperation);
        var pFaster = MannWhitney.PValueGreater(n.NanosecondsPerOperation, scaledDown);
        var beyondNoise = Math.Abs(n.Median - b.Median) > noiseNs;
        var verdict = Verdict.Same;
        var p = Math.Min(pSlower, pFaster);
        if (pSlower < Alpha && beyondNoise)
        {
            verdict = Verdict.Slower;
            p = pSlower;
        }
        else if (pFaster < Alpha && beyondNoise)
        {
            verdict = Verdict.Faster;
            p = pFaster;
        }

        if (b.AllocatedBytesPerOperation is { } ba && n.AllocatedBytesPerOperation is { } na && na != ba)
        {
            verdict = na > ba ? Verdict.AllocationRegression : verdict == Verdict.Same ? Verdict.AllocationImprovement : verdict;
        }

        return new(b.FullName, b.Median, n.Median, ratio, p, b.AllocatedBytesPerOperation, n.AllocatedBytesPerOperation, verdict);
    }

    public static bool HasRegression(IEnumerable<Comparison> comparisons, bool timeGates) =>
        comparisons.Any(c => c.Verdict == Verdict.AllocationRegression || (timeGates && c.Verdict == Verdict.Slower));

    public static string ToMarkdown(IReadOnlyList<Comparison> comparisons, double threshold, double noiseNs)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"Threshold {threshold:P0}, noise floor {noiseNs} ns, Mann-Whitney one-sided at alpha {Alpha}.\n\n");
        sb.Append("| benchmark | base median (ns) | new median (ns) | new/base | p | base alloc (B/op) | new alloc (B/op) | verdict |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var c in comparisons.OrderBy(c => c.Verdict == Verdict.Same ? 1 : 0).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            sb.Append(inv, $"| {c.Name} | {Num(c.BaseMedianNs)} | {Num(c.NewMedianNs)} | {Num(c.Ratio, "0.000")} | {Num(c.PValue, "0.0000")} | {c.BaseAllocated?.ToString(inv) ?? "-"} | {c.NewAllocated?.ToString(inv) ?? "-"} | {c.Verdict} |\n");
        }

        return sb.ToString();

        static string Num(double v, string format = "0.###") => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);
    }
}
