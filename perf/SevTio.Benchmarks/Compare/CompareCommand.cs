using System.Globalization;

namespace SevTio.Benchmarks.Compare;

/// <summary>
/// <c>compare BASE NEW [--threshold 5%] [--noise 0.3ns] [--allocations-only]</c>: prints a Markdown table of changes and
/// exits 1 on a significant regression (time beyond threshold and noise, or any growth in allocated bytes per op).
/// </summary>
public static class CompareCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var positional = new List<string>();
        var threshold = 0.05;
        var noise = 0.3;
        var timeGates = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threshold" when i + 1 < args.Length:
                    if (!TryPercent(args[++i], out threshold))
                    {
                        error.WriteLine($"compare: --threshold: '{args[i]}' is not a percentage like 5%");
                        return 2;
                    }

                    break;
                case "--noise" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i].Replace("ns", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out noise) || noise < 0)
                    {
                        error.WriteLine($"compare: --noise: '{args[i]}' is not a duration in ns");
                        return 2;
                    }

                    break;
                case "--allocations-only":
                    timeGates = false;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        error.WriteLine($"compare: unknown option {args[i]}");
                        return 2;
                    }

                    positional.Add(args[i]);
                    break;
            }
        }

        if (positional.Count != 2)
        {
            error.WriteLine("usage: compare BASE.json NEW.json [--threshold 5%] [--noise 0.3ns] [--allocations-only]");
            return 2;
        }

        IReadOnlyList<BenchmarkCase> baseline, current;
        try
        {
            baseline = BenchmarkReport.Load(positional[0]);
            current = BenchmarkReport.Load(positional[1]);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            error.WriteLine($"compare: {e.Message}");
            return 2;
        }

        var comparisons = Comparer.Compare(baseline, current, threshold, noise);
        output.Write(Comparer.ToMarkdown(comparisons, threshold, noise));
        return Comparer.HasRegression(comparisons, timeGates) ? 1 : 0;
    }

    private static bool TryPercent(string text, out double value)
    {
        var t = text.Trim();
        var percent = t.EndsWith('%');
        var ok = double.TryParse(percent ? t[..^1] : t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        if (ok && percent)
        {
            value /= 100;
        }

        return ok && value >= 0;
    }
}
