using System.Globalization;
using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Sweeps;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Tests.Sweeps;

/// <summary>Built-in sweeps: listed, planned legally, run for real, and their comparison column computed right.</summary>
public class SweepPresetTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = SevTioCommand.Invoke(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void ListPresets_NamesEveryPresetWithItsAxes()
    {
        var (exit, output, _) = Run("sweep", "--list-presets");

        Assert.Equal(0, exit);
        Assert.Contains("ide-overhead:", output, StringComparison.Ordinal);
        Assert.Contains("bounce-vs-direct:", output, StringComparison.Ordinal);
        Assert.Contains("guest.dma_mode=bounce,direct × workload.direction=write,read", output, StringComparison.Ordinal);
        Assert.Contains("(80 points;", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ide-overhead", 4 * 4 * 5)]
    [InlineData("bounce-vs-direct", 2 * 2 * 2)]
    public void Plan_Preset_EveryPointIsLegal(string name, int points)
    {
        var preset = SweepPreset.Find(name)!;
        var sweep = Sweep.Plan(
            () =>
            {
                var c = new ScenarioConfig();
                foreach (var s in preset.Settings)
                {
                    c.SetAssignment(s);
                }

                return c;
            },
            preset.Axes);

        Assert.Equal(points, sweep.Points.Count);
        if (name == "ide-overhead")
        {
            var agg4 = sweep.Points.First(p => p.Varied.Any(kv => kv.Key == "ide" && kv.Value == "agg4"));
            Assert.True(agg4.Config.GetBool("ide.enabled"));
            Assert.Equal(4, agg4.Config.GetInt("ide.aggregation"));
            Assert.False(sweep.Points[0].Config.GetBool("ide.enabled"));
        }
    }

    [Fact]
    public void Preset_WithVary_ExitsTwo() =>
        Assert.Equal(2, Run("sweep", "--preset", "ide-overhead", "--vary", "link.gen=3,4", "--quiet").Exit);

    [Fact]
    public void Preset_Unknown_ExitsTwo() =>
        Assert.Equal(2, Run("sweep", "--preset", "no-such-preset", "--quiet").Exit);

    [Fact]
    public void IdeOverhead_RealQuickSweep_OneRowPerPointPlotsAndTheLossAgainstIdeOff()
    {
        // The ide-overhead preset's scenario and comparison on a corner of its axes (each point runs the whole
        // trust flow, so the full 80 points are for the command line, not the test suite).
        var full = SweepPreset.IdeOverhead;
        var preset = full with
        {
            Axes =
            [
                new SweepAxis("link.gen", ["4", "5"]),
                SweepAxis.Composite("ide", ("off", ["ide.enabled=false"]), ("agg4", ["ide.enabled=true", "ide.aggregation=4"])),
                new SweepAxis("workload.transfer_size", ["256B", "4KiB"]),
            ],
        };
        var sweep = Sweep.Plan(
            () =>
            {
                var c = new ScenarioConfig();
                foreach (var s in preset.Settings)
                {
                    c.SetAssignment(s);
                }

                return c;
            },
            preset.Axes);
        var dir = Path.Combine(Path.GetTempPath(), $"sevtio-preset-{Guid.NewGuid():N}");
        try
        {
            sweep.Run(2);
            SweepReport.Write(sweep, dir);
            var plots = SweepPlots.Write(sweep, dir).Concat(SweepPlots.WriteComparison(sweep, dir, preset)).ToList();

            var csv = File.ReadAllLines(Path.Combine(dir, "results.csv"));
            Assert.Equal(1 + 8, csv.Length);
            var header = csv[0].Split(',');
            var bw = Array.IndexOf(header, "dma.bandwidth_gbps [Gb/s]");
            double Bandwidth(string gen, string ide, string size) =>
                double.Parse(csv.Single(l => l.StartsWith($"{gen},{ide},{size},", StringComparison.Ordinal)).Split(',')[bw], CultureInfo.InvariantCulture);

            // The table's comparison: 1 − bandwidth with IDE / bandwidth with IDE off, same generation and size.
            var expected = 1 - (Bandwidth("5", "agg4", "4KiB") / Bandwidth("5", "off", "4KiB"));
            var md = SweepReport.ToMarkdown(sweep, preset).Split('\n');
            Assert.Contains("bandwidth lost to IDE (vs ide=off)", md[2], StringComparison.Ordinal);
            var row = md.Single(l => l.StartsWith("| 5 | agg4 | 4KiB |", StringComparison.Ordinal));
            Assert.EndsWith($"| {(expected * 100).ToString("0.00", CultureInfo.InvariantCulture)}% |", row, StringComparison.Ordinal);
            Assert.EndsWith("| baseline |", md.Single(l => l.StartsWith("| 5 | off | 4KiB |", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.True(expected > 0, "IDE must cost bandwidth at 4 KiB");

            Assert.Contains(plots, p => Path.GetFileName(p) == "comparison.png");
            foreach (var plot in plots)
            {
                Assert.True(new FileInfo(plot).Length > 1000, $"{plot} is (nearly) empty");
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Comparison_Speedup_AgainstTheBaselineValueOfTheSameOtherAxes()
    {
        var sweep = Sweep.Plan(() => new ScenarioConfig(), [new SweepAxis("guest.dma_mode", ["bounce", "direct"]), new SweepAxis("workload.transfer_size", ["4KiB", "64KiB"])]);
        foreach (var p in sweep.Points)
        {
            // Synthetic figures (not model output): direct = 3 × bounce at 4 KiB, 1.5 × at 64 KiB.
            var r = new RunResult(p.Config.Name, p.Config.Resolved, new Provenance("t", "t", "t", "t", "t", [], 1));
            var direct = p.Config.GetChoice("guest.dma_mode") == "direct";
            var small = p.Config.GetSize("workload.transfer_size").Bytes == 4096;
            r.Add(SweepPreset.BounceVsDirect.Comparison.Metric, direct ? 300 : small ? 100 : 200, "Gb/s", "bw");
            p.Result = r;
        }

        var comparison = SweepPreset.BounceVsDirect.Comparison;
        var values = comparison.Evaluate(sweep);

        Assert.Null(values[sweep.Points[0]]);
        Assert.Equal("baseline", comparison.Format(sweep.Points[0], values[sweep.Points[0]]));
        Assert.Equal(3.0, values[sweep.Points[2]]);
        Assert.Equal("1.50×", comparison.Format(sweep.Points[3], values[sweep.Points[3]]));
    }
}
