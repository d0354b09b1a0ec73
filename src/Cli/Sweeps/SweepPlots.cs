using System.Globalization;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Sweeps;

/// <summary>
/// PNG and SVG plots of a sweep: bandwidth and latency against transfer size (log2 axis), one line per combination of
/// the other varied keys. When transfer size is not varied, the first varied key is the x axis.
/// </summary>
public static class SweepPlots
{
    public const string TransferSizeKey = "workload.transfer_size";

    private static readonly (string Metric, string File, string Axis)[] Plotted =
    [
        ("dma.bandwidth_gbps", "bandwidth", "simulated bandwidth (Gb/s)"),
        ("dma.latency_ns.p50", "latency_p50", "DMA latency, median (ns)"),
        ("dma.latency_ns.p99", "latency_p99", "DMA latency, 99th percentile (ns)"),
    ];

    /// <summary>Writes every plot whose metric the sweep reported; returns the files written.</summary>
    public static IReadOnlyList<string> Write(Sweep sweep, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        if (sweep.Axes.Count == 0)
        {
            return written;
        }

        var xKey = sweep.Axes.Any(a => a.Key == TransferSizeKey) ? TransferSizeKey : sweep.Axes[0].Key;
        foreach (var (metric, file, axis) in Plotted)
        {
            if (!sweep.Points.Any(p => p.Result is not null && p.Result.TryGet(metric, out _)))
            {
                continue;
            }

            written.AddRange(Lines(sweep, directory, file, axis, sweep.Points.GroupBy(p => p.Label(xKey)), p => p.Result is not null && p.Result.TryGet(metric, out var y) ? y : null, metric));
        }

        return written;
    }

    /// <summary>
    /// A preset's comparison as its own plot (e.g. the bandwidth IDE costs, in percent, against transfer size, one line
    /// per generation and IDE setting); baseline points are left out. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> WriteComparison(Sweep sweep, string directory, SweepPreset preset)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(preset);
        Directory.CreateDirectory(directory);
        var c = preset.Comparison;
        var values = c.Evaluate(sweep);
        var xKey = sweep.Axes.Any(a => a.Key == TransferSizeKey) ? TransferSizeKey : sweep.Axes[0].Key;
        var scale = c.Kind == SweepComparisonKind.Loss ? 100.0 : 1.0;
        var unit = c.Kind == SweepComparisonKind.Loss ? "%" : "×";
        var lines = sweep.Points.Where(p => values[p] is not null).GroupBy(p => p.Label(xKey));
        return Lines(sweep, directory, "comparison", $"{c.Title} ({unit})", lines, p => values[p] * scale, c.Title, c.Title);
    }

    private static List<string> Lines(Sweep sweep, string directory, string file, string axis, IEnumerable<IGrouping<string, SweepPoint>> lines, Func<SweepPoint, double?> value, string fallbackLegend, string? title = null)
    {
        var xKey = sweep.Axes.Any(a => a.Key == TransferSizeKey) ? TransferSizeKey : sweep.Axes[0].Key;
        var xAxis = sweep.Axes.First(a => a.Key == xKey);
        var numericX = xKey == TransferSizeKey;
        var plot = new ScottPlot.Plot();
        foreach (var line in lines)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var p in line)
            {
                if (value(p) is not { } y || !double.IsFinite(y))
                {
                    continue;
                }

                var xText = p.Varied.First(kv => kv.Key == xKey).Value;
                xs.Add(numericX ? Math.Log2(ByteSize.Parse(xText, xKey).Bytes) : IndexOf(xAxis, xText));
                ys.Add(y);
            }

            if (xs.Count == 0)
            {
                continue;
            }

            var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            scatter.LegendText = line.Key.Length == 0 ? fallbackLegend : line.Key;
            scatter.MarkerSize = 6;
        }

        var ticks = xAxis.Values
            .Select(v => new ScottPlot.Tick(numericX ? Math.Log2(ByteSize.Parse(v, xKey).Bytes) : IndexOf(xAxis, v), v))
            .ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.Label.Text = numericX ? "transfer size (bytes, log2 scale)" : xKey;
        plot.Axes.Left.Label.Text = axis;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{title ?? file.Replace('_', ' ')} vs {(numericX ? "transfer size" : xKey)}"));
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        var png = Path.Combine(directory, file + ".png");
        var svg = Path.Combine(directory, file + ".svg");
        plot.SavePng(png, 900, 560);
        plot.SaveSvg(svg, 900, 560);
        return [png, svg];
    }

    private static double IndexOf(SweepAxis axis, string value)
    {
        for (var i = 0; i < axis.Values.Count; i++)
        {
            if (axis.Values[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
