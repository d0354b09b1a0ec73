using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Sweeps;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Tests.Sweeps;

public class SweepTests
{
    private static Sweep Plan(params string[] vary) =>
        Sweep.Plan(() => new ScenarioConfig(), vary.Select(SweepAxis.Parse).ToList());

    [Fact]
    public void Plan_CrossProduct_FirstAxisVariesSlowest()
    {
        var sweep = Plan("link.gen=3,4,5", "workload.transfer_size=64B,4KiB");
        Assert.Equal(6, sweep.Points.Count);
        Assert.Equal(
            ["3/64B", "3/4KiB", "4/64B", "4/4KiB", "5/64B", "5/4KiB"],
            sweep.Points.Select(p => $"{p.Varied[0].Value}/{p.Varied[1].Value}"));
        Assert.Equal(4, sweep.Points[2].Config.GetInt("link.gen"));
        Assert.Equal(4096, sweep.Points[5].Config.GetSize("workload.transfer_size").Bytes);
    }

    [Fact]
    public void Plan_BadValueAnywhere_FailsBeforeRunning() =>
        Assert.Equal("link.gen", Assert.Throws<ParameterException>(() => Plan("link.gen=3,9")).Key);

    [Theory]
    [InlineData("link.gen")]
    [InlineData("link.gen=")]
    [InlineData("=3,4")]
    public void ParseAxis_Malformed_NamesVary(string text) =>
        Assert.Equal("--vary", Assert.Throws<ParameterException>(() => SweepAxis.Parse(text)).Key);

    private static Sweep WithSyntheticResults()
    {
        var sweep = Plan("link.gen=3,5", "workload.transfer_size=64B,256B,4KiB");
        foreach (var p in sweep.Points)
        {
            // Synthetic figures (not model output): this test checks the report and plot plumbing only.
            var r = new RunResult(p.Config.Name, p.Config.Resolved, new Provenance("t", "t", "t", "t", "t", [], 1));
            var size = p.Config.GetSize("workload.transfer_size").Bytes;
            r.Add("dma.bandwidth_gbps", p.Config.GetInt("link.gen") * 10.0 * size / (size + 24), "Gb/s", "bw");
            r.Add("dma.latency_ns.p50", 500 + size / 10.0, "ns", "lat");
            p.Result = r;
        }

        return sweep;
    }

    [Fact]
    public void Csv_HasOneRowPerPointAndUnitsInHeader()
    {
        var csv = SweepReport.ToCsv(WithSyntheticResults()).TrimEnd('\n').Split('\n');
        Assert.Equal(7, csv.Length);
        Assert.Equal("link.gen,workload.transfer_size,dma.bandwidth_gbps [Gb/s],dma.latency_ns.p50 [ns]", csv[0]);
        Assert.StartsWith("5,4KiB,", csv[6], StringComparison.Ordinal);
    }

    [Fact]
    public void Plots_WrittenAndNonEmpty()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sevtio-plots-{Guid.NewGuid():N}");
        try
        {
            var files = SweepPlots.Write(WithSyntheticResults(), dir);
            Assert.Equal(["bandwidth.png", "bandwidth.svg", "latency_p50.png", "latency_p50.svg"], files.Select(Path.GetFileName));
            foreach (var f in files)
            {
                Assert.True(new FileInfo(f).Length > 1000, $"{f} is (nearly) empty");
            }

            var png = File.ReadAllBytes(files[0]);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.Contains("Gb/s", File.ReadAllText(files[1]), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
