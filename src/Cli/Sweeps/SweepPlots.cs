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
        var xAxis = sweep.Axes.First(a => a.Key == xKey);
        var numericX = xKey == TransferSizeKey;

        foreach (var (metric, file, axis) in Plotted)
        {
            if (!sweep.Points.Any(p => p.Result is not null && p.Result.TryGet(metric, out _)))
            {
                continue;
            }

            var plot = new ScottPlot.Plot();
            foreach (var line in sweep.Points.GroupBy(p => p.Label(xKey)))
            {
                var xs = new List<double>();
                var ys = new List<double>();
                foreach (var p in line)
                {
                    if (p.Result is null || !p.Result.TryGet(metric, out var y) || !double.IsFinite(y))
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
                scatter.LegendText = line.Key.Length == 0 ? metric : line.Key;
                scatter.MarkerSize = 6;
            }

            var ticks = xAxis.Values
                .Select(v => new ScottPlot.Tick(numericX ? Math.Log2(ByteSize.Parse(v, xKey).Bytes) : IndexOf(xAxis, v), v))
                .ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
            plot.Axes.Bottom.Label.Text = numericX ? "transfer size (bytes, log2 scale)" : xKey;
            plot.Axes.Left.Label.Text = axis;
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{file.Replace('_', ' ')} vs {(numericX ? "transfer size" : xKey)}"));
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
            var png = Path.Combine(directory, file + ".png");
            var svg = Path.Combine(directory, file + ".svg");
            plot.SavePng(png, 900, 560);
            plot.SaveSvg(svg, 900, 560);
            written.Add(png);
            written.Add(svg);
        }

        return written;
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
