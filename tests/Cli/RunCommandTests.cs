using System.Globalization;
using System.Text.Json;

namespace SevTio.Cli.Tests;

/// <summary><c>sevtio run</c> end to end: the contract's metrics with units, the summary table, exit codes.</summary>
public class RunCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = SevTioCommand.Invoke(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static readonly string[] Small = ["--set", "workload.total=2MiB", "--set", "workload.window=2MiB"];

    [Fact]
    public void Run_Json_ReportsEveryContractMetricWithItsUnit()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-run-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, _) = Run(["run", "--quiet", .. Small, "--json", path]);
            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var metrics = doc.RootElement.GetProperty("metrics");
            var expected = new Dictionary<string, string>
            {
                ["dma.bandwidth_gbps"] = "Gb/s",
                ["dma.latency_ns.p50"] = "ns",
                ["dma.latency_ns.p99"] = "ns",
                ["link.tlps"] = "{tlp}",
                ["sim.time_s"] = "s",
                ["host.time_s"] = "s",
                ["host.payload_gbytes_per_s"] = "GB/s",
                ["sim.realtime_factor"] = "1",
                ["ide.overhead_ratio"] = "1",
                ["iommu.iotlb_misses"] = "{miss}",
                ["rmp.checks"] = "{check}",
                ["rmp.check_violations"] = "{violation}",
                ["sim.events"] = "{event}",
            };
            foreach (var (name, unit) in expected)
            {
                var m = metrics.GetProperty(name);
                Assert.Equal(unit, m.GetProperty("unit").GetString());
                Assert.False(string.IsNullOrEmpty(m.GetProperty("description").GetString()));
            }

            // Gen 5 x16, MPS 256, IDE on, 4 KiB writes: close to pcie-bench's 393 Gb/s with IDE bytes.
            Assert.InRange(metrics.GetProperty("dma.bandwidth_gbps").GetProperty("value").GetDouble(), 350, 394);
            Assert.Equal(2 << 20, metrics.GetProperty("dma.bytes").GetProperty("value").GetDouble());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_PrintsTheSummaryTable()
    {
        var (exit, output, _) = Run(["run", .. Small, "--set", "crypto.mode=timing"]);

        Assert.Equal(0, exit);
        foreach (var row in new[] { "simulated throughput", "transfer latency p50", "host throughput", "real-time factor", "IDE overhead" })
        {
            Assert.Contains(row, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_Csv_HasOneLinePerMetric()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-run-{Guid.NewGuid():N}.csv");
        try
        {
            Assert.Equal(0, Run(["run", "--quiet", .. Small, "--set", "crypto.mode=timing", "--csv", path]).Exit);
            var lines = File.ReadAllLines(path);
            Assert.Equal("metric,value,unit,description", lines[0]);
            var bandwidth = lines.Single(l => l.StartsWith("dma.bandwidth_gbps,", StringComparison.Ordinal)).Split(',');
            Assert.True(double.Parse(bandwidth[1], CultureInfo.InvariantCulture) > 0);
            Assert.Equal("Gb/s", bandwidth[2]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("iommu.enabled=false", "iommu.enabled")] // trusted DMA is always checked by the IOMMU
    [InlineData("link.mps=8KiB", "link.mps")] // above 4 KiB
    [InlineData("iommu.page_size=1gib", "iommu.page_size")] // the RMP has no 1 GiB pages
    [InlineData("workload.window=32GiB", "workload.window")] // more than bring-up maps
    [InlineData("workload.transfer_size=8KiB", "workload.transfer_size")] // larger than the window below
    [InlineData("host.read_latency=fast", "host.read_latency")]
    [InlineData("device.read_tags=0", "device.read_tags")]
    public void Run_ImpossibleConfiguration_ExitsTwoNamingTheKey(string assignment, string key)
    {
        string[] args = assignment.StartsWith("workload.transfer_size", StringComparison.Ordinal)
            ? ["run", "--quiet", "--set", "workload.window=4KiB", "--set", assignment]
            : ["run", "--quiet", "--set", assignment];

        var (exit, _, err) = Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(key, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_IdeOffWithoutIommu_RunsT0Passthrough()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-run-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, _) = Run(["run", "--quiet", .. Small, "--set", "ide.enabled=false", "--set", "iommu.enabled=false", "--json", path]);
            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(0, doc.RootElement.GetProperty("metrics").GetProperty("ide.overhead_ratio").GetProperty("value").GetDouble());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
