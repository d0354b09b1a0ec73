namespace SevTio.EndToEnd.Tests.Dma;

/// <summary>
/// DESIGN.md's rule for the two fidelity levels: the burst level (a few events per job, per-TLP timing from the link
/// equations) and the packet level (one event per TLP through every stage) agree on steady-state bandwidth within 1%,
/// across link generations, MPS, transfer sizes and both directions.
/// </summary>
public sealed class FidelityAgreementTests
{
    public static TheoryData<int, int, int, string, string> Cases()
    {
        var data = new TheoryData<int, int, int, string, string>();
        foreach (var (gen, width) in new[] { (3, 8), (5, 16), (6, 16) })
        {
            foreach (var mps in new[] { 128, 256, 512 })
            {
                foreach (var size in new[] { "64B", "4KiB", "64KiB" })
                {
                    foreach (var direction in new[] { "write", "read" })
                    {
                        data.Add(gen, width, mps, size, direction);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BurstAndPacket_SteadyStateBandwidth_AgreeWithinOnePercent(int gen, int width, int mps, string size, string direction)
    {
        string[] common =
        [
            $"link.gen={gen}", $"link.width={width}", $"link.mps={mps}B", "crypto.mode=timing",
            $"workload.transfer_size={size}", "workload.total=2MiB", "workload.window=2MiB", $"workload.direction={direction}",
        ];
        var burst = Scenario.Run([.. common, "sim.fidelity=burst"]);
        var packet = Scenario.Run([.. common, "sim.fidelity=packet"]);

        var b = burst["dma.bandwidth_gbps"];
        var p = packet["dma.bandwidth_gbps"];
        Assert.True(Math.Abs(b - p) <= 0.01 * p, $"burst {b:0.000} Gb/s vs packet {p:0.000} Gb/s");
        Assert.Equal(packet["dma.transfers"], burst["dma.transfers"]);

        // The packet level really ran one event per TLP; the burst level a few per microsecond of link time.
        Assert.True(packet["sim.events"] >= packet["link.tlps"]);
        Assert.True(burst["sim.events"] < packet["sim.events"] / 2);
    }

    [Theory]
    [InlineData("write", "1", "false")]
    [InlineData("read", "4", "true")]
    public void BurstAndPacket_Functional_AgreeWithinOnePercent(string direction, string aggregation, string pcrc)
    {
        string[] common = [$"workload.direction={direction}", "workload.total=1MiB", "workload.window=1MiB", $"ide.aggregation={aggregation}", $"ide.pcrc={pcrc}"];
        var burst = Scenario.Run([.. common, "sim.fidelity=burst"]);
        var packet = Scenario.Run([.. common, "sim.fidelity=packet"]);

        var b = burst["dma.bandwidth_gbps"];
        var p = packet["dma.bandwidth_gbps"];
        Assert.True(Math.Abs(b - p) <= 0.01 * p, $"burst {b:0.000} Gb/s vs packet {p:0.000} Gb/s");
        Assert.Equal(packet["link.tlps"], burst["link.tlps"]);
    }
}
