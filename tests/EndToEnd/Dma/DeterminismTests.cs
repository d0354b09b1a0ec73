namespace SevTio.EndToEnd.Tests.Dma;

/// <summary>
/// Same configuration and seed, same simulated results, bit for bit (DESIGN.md, "Simulated time"): across two runs, and
/// with the functional data path on one thread or two (the worker does only cipher work and copies, never timing).
/// </summary>
public sealed class DeterminismTests
{
    [Theory]
    [InlineData("write", "seq", "functional")]
    [InlineData("read", "random", "functional")]
    [InlineData("write", "random", "timing")]
    public void Burst_OneAndTwoWorkers_SimulatedFiguresBitIdentical(string direction, string pattern, string crypto)
    {
        string[] set = [$"workload.direction={direction}", $"workload.pattern={pattern}", "workload.total=4MiB", "workload.window=2MiB", "seed=7", $"crypto.mode={crypto}"];
        var one = Scenario.Simulated(Scenario.Run(1, set));
        var two = Scenario.Simulated(Scenario.Run(2, set));

        Assert.Equal(one.Keys.Order(), two.Keys.Order());
        foreach (var (name, value) in one)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(two[name]), $"{name}: {value:R} with one worker, {two[name]:R} with two");
        }

        Assert.Equal(4 << 20, one["dma.bytes"]);
    }

    [Theory]
    [InlineData("burst", "timing")]
    [InlineData("packet", "functional")]
    public void TwoRuns_SameSeed_SimulatedFiguresBitIdentical(string fidelity, string crypto)
    {
        string[] set = [$"sim.fidelity={fidelity}", $"crypto.mode={crypto}", "workload.pattern=random", "workload.total=2MiB", "workload.window=4MiB", "workload.transfer_size=1KiB"];
        var a = Scenario.Simulated(Scenario.Run(set));
        var b = Scenario.Simulated(Scenario.Run(set));

        Assert.Equal(a, b);
    }

    [Fact]
    public void DifferentSeeds_PlaceRandomTransfersDifferently()
    {
        string[] set = ["crypto.mode=timing", "workload.pattern=random", "workload.total=1MiB", "workload.window=16MiB", "workload.transfer_size=512B"];
        var a = Scenario.Run([.. set, "seed=1"]);
        var b = Scenario.Run([.. set, "seed=2"]);

        Assert.NotEqual(a["iommu.iotlb_misses"] + a["dma.latency_ns.mean"], b["iommu.iotlb_misses"] + b["dma.latency_ns.mean"]);
    }
}
