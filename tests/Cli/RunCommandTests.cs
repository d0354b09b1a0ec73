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
                ["trust.spdm_s"] = "s",
                ["trust.key_program_s"] = "s",
                ["trust.lock_s"] = "s",
                ["trust.report_s"] = "s",
                ["trust.accept_s"] = "s",
                ["guest.copy_time_s"] = "s",
                ["guest.conversion_time_s"] = "s",
                ["guest.exits"] = "{exit}",
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

            // The default run is the whole flow: every trust phase took simulated time, the data came back intact.
            foreach (var phase in new[] { "trust.spdm_s", "trust.key_program_s", "trust.lock_s", "trust.report_s", "trust.accept_s" })
            {
                Assert.True(metrics.GetProperty(phase).GetProperty("value").GetDouble() > 0, phase);
            }

            Assert.Equal(1, metrics.GetProperty("guest.dma_direct").GetProperty("value").GetDouble());
            Assert.Equal(2 << 20, metrics.GetProperty("guest.data_checked_bytes").GetProperty("value").GetDouble());
            Assert.Equal(0, metrics.GetProperty("guest.data_errors").GetProperty("value").GetDouble());
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
    [InlineData("iommu.page_size=2mib", "iommu.page_size")] // the SNP guest's memory is mapped in 4 KiB pages
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
    public void Run_IdeOffWithoutIommu_ExitsTwo_TheAssignedDeviceNeedsTheIommu()
    {
        // The full flow assigns the device to an SNP guest: without the IOMMU there is no GPA translation and no RMP
        // check of its DMA, so the configuration is refused rather than run as C2's host-physical passthrough.
        var (exit, _, err) = Run(["run", "--quiet", .. Small, "--set", "ide.enabled=false", "--set", "iommu.enabled=false"]);

        Assert.Equal(2, exit);
        Assert.Contains("iommu.enabled", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_IdeOff_SharesTheWindow_NoIdeOverhead()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-run-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, _) = Run(["run", "--quiet", .. Small, "--set", "ide.enabled=false", "--json", path]);
            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var metrics = doc.RootElement.GetProperty("metrics");
            Assert.Equal(0, metrics.GetProperty("ide.overhead_ratio").GetProperty("value").GetDouble());
            Assert.Equal(0, metrics.GetProperty("trust.spdm_s").GetProperty("value").GetDouble()); // nothing to connect without IDE
            Assert.Equal(0, metrics.GetProperty("guest.dma_direct").GetProperty("value").GetDouble());
            Assert.Equal(0, metrics.GetProperty("guest.bounced_bytes").GetProperty("value").GetDouble());
            Assert.True(metrics.GetProperty("guest.converted_pages").GetProperty("value").GetDouble() >= (2 << 20) / 4096); // the window shared once
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_CompareDmaModes_PrintsBothSideBySide_AndWritesEveryRun()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-compare-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, output, _) = Run(["run", .. Small, "--set", "crypto.mode=timing", "--compare", "guest.dma_mode=bounce,direct", "--json", path]);

            Assert.Equal(0, exit);
            foreach (var text in new[] { "guest.dma_mode=bounce", "guest.dma_mode=direct", "guest CPU copying", "guest exits", "transfer latency p50", "trust: guest accept" })
            {
                Assert.Contains(text, output, StringComparison.Ordinal);
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal("guest.dma_mode", doc.RootElement.GetProperty("compare").GetProperty("key").GetString());
            var runs = doc.RootElement.GetProperty("runs");
            Assert.Equal(2, runs.GetArrayLength());
            double Metric(int run, string name) => runs[run].GetProperty("metrics").GetProperty(name).GetProperty("value").GetDouble();
            Assert.True(Metric(0, "guest.copy_time_s") > 0);
            Assert.Equal(0, Metric(1, "guest.copy_time_s"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("guest.dma_mode")]
    [InlineData("guest.dma_mode=sideways")]
    public void Run_CompareMalformed_ExitsTwo(string comparison)
    {
        var (exit, _, err) = Run(["run", "--quiet", .. Small, "--compare", comparison]);

        Assert.Equal(2, exit);
        Assert.Contains(comparison.Contains('=', StringComparison.Ordinal) ? "guest.dma_mode" : "--compare", err, StringComparison.Ordinal);
    }
}
