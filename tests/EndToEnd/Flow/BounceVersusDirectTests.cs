using SevTio.EndToEnd.Tests.Dma;

namespace SevTio.EndToEnd.Tests.Flow;

/// <summary>
/// <c>guest.dma_mode=bounce</c> against <c>direct</c> through <c>sevtio run</c>'s runner, at both fidelity levels and
/// both crypto modes: bouncing costs the guest CPU a copy of every byte in and out of SWIOTLB (Linux copies at map even
/// for FROM_DEVICE, and back at unmap), direct DMA into private memory costs it nothing.
/// </summary>
public sealed class BounceVersusDirectTests
{
    [Theory]
    [InlineData("burst", "functional")]
    [InlineData("packet", "timing")]
    public void Bounce_CostsGuestCpu_DirectDoesNot(string fidelity, string crypto)
    {
        const int total = 1 << 20;
        string[] common = [$"sim.fidelity={fidelity}", $"crypto.mode={crypto}", $"workload.total={total}B", "workload.window=1MiB"];
        var bounce = Scenario.Run(1, [.. common, "guest.dma_mode=bounce"]);
        var direct = Scenario.Run(1, [.. common, "guest.dma_mode=direct"]);

        foreach (var r in new[] { bounce, direct })
        {
            Assert.Equal(0, r["dma.jobs_failed"]);
            Assert.Equal(total, r["dma.bytes"]);
            Assert.Equal(0, r["guest.data_errors"]);
            Assert.True(r["trust.spdm_s"] > 0 && r["trust.key_program_s"] > 0); // the host connected in both
        }

        Assert.Equal(2.0 * total, bounce["guest.bounced_bytes"]);
        Assert.True(bounce["guest.copy_time_s"] > 0);
        Assert.Equal(0, bounce["guest.dma_direct"]);
        Assert.Equal(0, bounce["trust.accept_s"]); // left unaccepted

        Assert.Equal(0, direct["guest.bounced_bytes"]);
        Assert.Equal(0, direct["guest.copy_time_s"]);
        Assert.Equal(0, direct["guest.conversion_time_s"]);
        Assert.Equal(1, direct["guest.dma_direct"]);
        Assert.True(direct["trust.lock_s"] > 0 && direct["trust.report_s"] > 0 && direct["trust.accept_s"] > 0);

        // The copies are on the DMA phase's critical path: the phase takes longer than the copies alone.
        Assert.True(bounce["sim.time_s"] > direct["sim.time_s"]);
        Assert.True(bounce["sim.time_s"] >= bounce["guest.copy_time_s"]);
        if (crypto == "functional")
        {
            Assert.Equal(total, bounce["guest.data_checked_bytes"]);
            Assert.Equal(total, direct["guest.data_checked_bytes"]);
        }
    }
}
