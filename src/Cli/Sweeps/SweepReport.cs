using System.Globalization;
using System.Text;
using System.Text.Json;
using SevTio.Cli.Results;

namespace SevTio.Cli.Sweeps;

/// <summary>Writes a finished sweep as <c>results.json</c>, <c>results.csv</c> and <c>results.md</c>.</summary>
public static class SweepReport
{
    public const string Schema = "sevtio.sweep/1";

    /// <summary>Metric names (with units) in first-seen order across all points.</summary>
    public static IReadOnlyList<(string Name, string Unit)> MetricColumns(Sweep sweep)
    {
        var seen = new List<(string, string)>();
        foreach (var p in sweep.Points)
        {
            foreach (var m in p.Result?.Metrics ?? [])
            {
                if (!seen.Exists(s => s.Item1 == m.Name))
                {
                    seen.Add((m.Name, m.Unit));
                }
            }
        }

        return seen;
    }

    public static void Write(Sweep sweep, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "results.json"), ToJson(sweep));
        File.WriteAllText(Path.Combine(directory, "results.csv"), ToCsv(sweep));
        File.WriteAllText(Path.Combine(directory, "results.md"), ToMarkdown(sweep));
    }

    public static string ToJson(Sweep sweep)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteStartArray("varied");
            foreach (var a in sweep.Axes)
            {
                w.WriteStartObject();
                w.WriteString("key", a.Key);
                w.WriteStartArray("values");
                foreach (var v in a.Values)
                {
                    w.WriteStringValue(v);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("points");
            foreach (var p in sweep.Points)
            {
                w.WriteStartObject();
                w.WriteStartObject("vary");
                foreach (var (k, v) in p.Varied)
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
                w.WriteStartObject("config");
                foreach (var (k, v) in p.Config.Resolved)
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
                w.WriteStartObject("metrics");
                foreach (var m in p.Result?.Metrics ?? [])
                {
                    w.WriteStartObject(m.Name);
                    if (double.IsFinite(m.Value))
                    {
                        w.WriteNumber("value", m.Value);
                    }
                    else
                    {
                        w.WriteNull("value");
                    }

                    w.WriteString("unit", m.Unit);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static string ToCsv(Sweep sweep)
    {
        var columns = MetricColumns(sweep);
        var sb = new StringBuilder();
        sb.AppendJoin(',', sweep.Axes.Select(a => RunResult.Csv(a.Key)).Concat(columns.Select(c => RunResult.Csv($"{c.Name} [{c.Unit}]"))));
        sb.Append('\n');
        foreach (var p in sweep.Points)
        {
            sb.AppendJoin(',', p.Varied.Select(kv => RunResult.Csv(kv.Value)).Concat(columns.Select(c => Cell(p, c.Name))));
            sb.Append('\n');
        }

        return sb.ToString();
    }

    public static string ToMarkdown(Sweep sweep)
    {
        var columns = MetricColumns(sweep);
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", sweep.Axes.Select(a => a.Key).Concat(columns.Select(c => $"{c.Name} ({c.Unit})"))).Append(" |\n");
        sb.Append('|').Append(string.Concat(Enumerable.Repeat("---|", sweep.Axes.Count + columns.Count))).Append('\n');
        foreach (var p in sweep.Points)
        {
            sb.Append("| ").AppendJoin(" | ", p.Varied.Select(kv => kv.Value).Concat(columns.Select(c => Cell(p, c.Name, 4)))).Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// A preset's table: its question, the axes, the figures it names, and the comparison column (e.g. the bandwidth
    /// IDE costs against the same point with IDE off), so the answer is there in one look.
    /// </summary>
    public static string ToMarkdown(Sweep sweep, SweepPreset preset)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(preset);
        var units = MetricColumns(sweep).ToDictionary(c => c.Name, c => c.Unit, StringComparer.Ordinal);
        var figures = preset.Figures.Where(units.ContainsKey).ToList();
        var comparison = preset.Comparison.Evaluate(sweep);
        var sb = new StringBuilder();
        sb.Append("**").Append(preset.Name).Append("**: ").Append(preset.Question).Append("\n\n");
        sb.Append("| ").AppendJoin(" | ", sweep.Axes.Select(a => a.Key).Concat(figures.Select(f => $"{f} ({units[f]})")))
            .Append(" | ").Append(preset.Comparison.Title).Append(" (vs ").Append(preset.Comparison.AxisKey).Append('=').Append(preset.Comparison.BaselineValue).Append(") |\n");
        sb.Append('|').Append(string.Concat(Enumerable.Repeat("---|", sweep.Axes.Count))).Append(string.Concat(Enumerable.Repeat("---:|", figures.Count + 1))).Append('\n');
        foreach (var p in sweep.Points)
        {
            sb.Append("| ").AppendJoin(" | ", p.Varied.Select(kv => kv.Value).Concat(figures.Select(f => Cell(p, f, 4))))
                .Append(" | ").Append(preset.Comparison.Format(p, comparison[p])).Append(" |\n");
        }

        return sb.ToString();
    }

    private static string Cell(SweepPoint p, string metric, int? significant = null)
    {
        if (p.Result is null || !p.Result.TryGet(metric, out var v))
        {
            return string.Empty;
        }

        return significant is { } s && double.IsFinite(v) && v != 0
            ? v.ToString("G" + Math.Max(s, (int)Math.Floor(Math.Log10(Math.Abs(v))) + 1), CultureInfo.InvariantCulture)
            : v.ToString("R", CultureInfo.InvariantCulture);
    }
}
