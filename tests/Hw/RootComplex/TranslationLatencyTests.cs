using SevTio.Hw.Device;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.Hw.Tests.Device;

namespace SevTio.Hw.Tests.RootComplex;

/// <summary>
/// What the root complex adds to a DMA's latency: IOTLB misses (a nested walk of 4 timed 8-byte reads for a 4 KiB
/// mapping) and RMP-cache misses (a timed 16-byte entry read) show up in the transfer latency; small reads are bound by
/// tags × size / round trip (pcie-bench's lesson: a bytes-only link model overestimates small DMA reads).
/// </summary>
public sealed class TranslationLatencyTests
{
    /// <summary>p50 transfer latency of 512-byte DMAs with one tag, over one page (every translation hits after the first) or 64 MiB at random (they miss).</summary>
    private static SimTime MedianLatency(bool write, bool misses, bool packet)
    {
        var workload = new DmaWorkload
        {
            Direction = write ? DmaOpcode.Write : DmaOpcode.Read,
            TransferSize = 512,
            TotalBytes = 512 * 2000,
            WindowBytes = misses ? 64UL << 20 : 4096,
            Random = misses,
        };
        using var run = new DmaRun(DmaRun.Config(packet: packet, functional: false, readTags: 1, window: 64UL << 20), workload);
        Assert.Equal(1, run.Driver.JobsCompleted);
        return (write ? run.Statistics.WriteLatency : run.Statistics.ReadLatency).Percentile(0.5);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void IotlbAndRmpMisses_AddTheirWalkAndEntryReadsToTheLatency(bool write, bool packet)
    {
        // Independent arithmetic from the memory timing: 4 nested-walk reads of 8 bytes and one RMP entry read of 16.
        var timing = new MemoryTiming();
        var expected = (timing.ReadCost(8) * 4) + timing.ReadCost(16);
        if (write)
        {
            // A 512-byte write is two 256-byte TLPs; writes commit in order, so the miss of the first TLP hides behind
            // nothing but the second TLP's serialisation (296 wire bytes with IDE) that a hit run waits for instead.
            expected -= SimTime.FromPicoseconds((long)(296 / TlpRate() * 1e12));
        }

        var hit = MedianLatency(write, misses: false, packet);
        var miss = MedianLatency(write, misses: true, packet);

        // The histogram reports within 0.2%.
        Assert.InRange((miss - hit).Picoseconds, expected.Picoseconds - 4000, expected.Picoseconds + 4000);
    }

    /// <summary>Bytes per second left for TLPs on gen 5 x16 with MPS 256 (pcie-bench: Ack and UpdateFC DLLPs every 168 bytes, SKP 4 per 1538).</summary>
    private static double TlpRate() => 32e9 * 128 / 130 * 16 / 8 * (1 - (8.0 / 168) - (8.0 / 168) - (4.0 / 1538));

    [Theory]
    [InlineData(1, false)]
    [InlineData(4, false)]
    [InlineData(16, false)]
    [InlineData(4, true)]
    public void SmallReads_AreBoundByTagsTimesSizeOverRoundTrip(int tags, bool packet)
    {
        const int size = 64;
        var host = SimTime.FromNanoseconds(550);
        var config = DmaRun.Config(packet: packet, functional: false, readTags: tags) with { HostReadLatency = host };
        var workload = new DmaWorkload { Direction = DmaOpcode.Read, TransferSize = size, TotalBytes = size * 4096L, WindowBytes = 4096 };
        using var run = new DmaRun(config, workload);

        // Round trip of one read, computed here from the pcie-bench link arithmetic, not from the model's LinkTiming.
        var tlpRate = TlpRate();
        const double request = 8 + 16 + 4 + 12;           // framing, 4-DW MRd header, IDE prefix, MAC
        const double completion = 8 + 12 + size + 4 + 12; // framing, CplD header, data, IDE prefix, MAC
        var translationHit = 2e-9 + 1e-9;                 // IOTLB hit + RMP-cache hit
        var propagation = 2 * 20e-9;
        var rtt = (request / tlpRate) + propagation + translationHit + host.TotalSeconds + (completion / tlpRate);
        var bound = tags * size / rtt;

        var simulated = run.Statistics.BytesRead / (run.Statistics.LastDataDone - run.Statistics.FirstDataIssued).TotalSeconds;
        Assert.InRange(simulated, bound * 0.99, bound * 1.01);

        // The link could carry far more: the tags are the limit.
        Assert.True(simulated < run.Platform.Link.Timing.ReadBandwidth(size).BytesPerSecond / 10);
    }
}
