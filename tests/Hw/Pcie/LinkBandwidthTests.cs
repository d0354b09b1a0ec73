using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Pcie;

/// <summary>
/// Bulk DMA bandwidth with IDE off: the packet-level link driven by a device/host harness, and the analytic
/// <see cref="LinkTiming"/> equations, both against the pcie-bench model (Neugebauer et al., SIGCOMM 2018,
/// <c>pcie-bench/pcie-model</c>) computed independently here, and against the published reference points.
/// </summary>
public sealed class LinkBandwidthTests
{
    public static TheoryData<int, int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (var (gen, width) in new[] { (3, 8), (5, 16) })
        {
            foreach (var mps in new[] { 128, 256, 512 })
            {
                for (var size = 64; size <= 65536; size *= 2)
                {
                    data.Add(gen, width, mps, size);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_BulkDma_SimulatedAndAnalyticMatchPcieBenchWithinHalfPercent(int gen, int width, int mps, int size)
    {
        var parameters = Parameters(gen, width, mps);
        var expected = PcieBench.Write(gen, width, mps, size);

        var analytic = new LinkTiming(parameters).WriteBandwidth(size).GigabitsPerSecond;
        var simulated = new DmaLinkHarness(parameters, size, DmaCount(size, mps)).RunWrites().GigabitsPerSecond;

        AssertWithin(expected, analytic, 0.005);
        AssertWithin(expected, simulated, 0.005);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_BulkDma_SimulatedAndAnalyticMatchPcieBenchWithinHalfPercent(int gen, int width, int mps, int size)
    {
        var parameters = Parameters(gen, width, mps);
        var expected = PcieBench.Read(gen, width, mps, 512, size);

        var analytic = new LinkTiming(parameters).ReadBandwidth(size).GigabitsPerSecond;
        var simulated = new DmaLinkHarness(parameters, size, DmaCount(size, mps)).RunReads().GigabitsPerSecond;

        AssertWithin(expected, analytic, 0.005);
        AssertWithin(expected, simulated, 0.005);
    }

    // Reference points from the issue text (pcie-bench model, Gb/s of payload, printed to two decimals).
    [Theory]
    [InlineData(3, 8, 256, 64, 42.10)]
    [InlineData(3, 8, 256, 128, 48.75)]
    [InlineData(3, 8, 256, 256, 52.92)]
    [InlineData(3, 8, 256, 4096, 52.92)]
    [InlineData(3, 8, 256, 65536, 52.92)]
    [InlineData(5, 16, 256, 64, 330.76)]
    [InlineData(5, 16, 256, 128, 382.99)]
    [InlineData(5, 16, 256, 256, 415.82)]
    [InlineData(5, 16, 256, 65536, 415.82)]
    [InlineData(3, 8, 512, 512, 54.75)]
    [InlineData(3, 8, 512, 65536, 54.75)]
    public void Writes_ReferencePoints_MatchPublishedFigures(int gen, int width, int mps, int size, double gbps)
    {
        var parameters = Parameters(gen, width, mps);
        var simulated = new DmaLinkHarness(parameters, size, DmaCount(size, mps)).RunWrites().GigabitsPerSecond;
        var analytic = new LinkTiming(parameters).WriteBandwidth(size).GigabitsPerSecond;
        Assert.Equal(gbps, analytic, 0.006);
        AssertWithin(gbps, simulated, 0.005);
    }

    [Theory]
    [InlineData(3, 8, 256, 64, 44.10)]
    [InlineData(3, 8, 256, 128, 50.06)]
    [InlineData(3, 8, 256, 256, 53.69)]
    [InlineData(3, 8, 256, 65536, 53.69)]
    [InlineData(5, 16, 256, 64, 346.51)]
    [InlineData(5, 16, 256, 128, 393.34)]
    [InlineData(5, 16, 256, 256, 421.84)]
    [InlineData(5, 16, 256, 65536, 421.84)]
    public void Reads_ReferencePoints_MatchPublishedFigures(int gen, int width, int mps, int size, double gbps)
    {
        var parameters = Parameters(gen, width, mps);
        var simulated = new DmaLinkHarness(parameters, size, DmaCount(size, mps)).RunReads().GigabitsPerSecond;
        var analytic = new LinkTiming(parameters).ReadBandwidth(size).GigabitsPerSecond;
        Assert.Equal(gbps, analytic, 0.006);
        AssertWithin(gbps, simulated, 0.005);
    }

    internal static LinkParameters Parameters(int gen, int width, int mps) => new()
    {
        Generation = (PcieGeneration)gen,
        Width = width,
        MaxPayloadSize = mps,
        MaxReadRequestSize = 512,
        ReadCompletionBoundary = 64,
        CompletionSplit = CompletionSplitPolicy.MaxPayload,
    };

    /// <summary>Enough DMAs for a steady state of a few thousand TLPs, and at least 8.</summary>
    internal static int DmaCount(int size, int mps) => Math.Max(8, Math.Min(2000, 4096 / Math.Max(1, size / mps)));

    internal static void AssertWithin(double expected, double actual, double relative)
    {
        var error = Math.Abs(actual - expected) / expected;
        Assert.True(error <= relative, $"expected {expected:0.000} Gb/s, got {actual:0.000} Gb/s ({error:P3} off, allowed {relative:P2})");
    }
}

/// <summary>
/// The pcie-bench analytic model (pcie-model <c>model/pcie.py</c> and <c>model/mem_bw.py</c>), restated here with
/// doubles and its own constants so the code under test is checked against an independent computation.
/// </summary>
internal static class PcieBench
{
    public static double TlpLayerGbps(int gen, int width, int mps)
    {
        var gts = gen switch { 1 => 2.5, 2 => 5.0, 3 => 8.0, 4 => 16.0, _ => 32.0 };
        var encoding = gen <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
        var raw = gts * encoding * width;

        // Ack limit and FC update guideline (PCIe 5.0 Tables 3-7..3-9, 2-46..2-48) for gen 3-5 x8 / x16, as pcie-bench has them.
        var interval = (width, mps) switch
        {
            (8, 128) => 163,
            (8, 256) => 203,
            (8, 512) => 182,
            (16, 128) => 144,
            (16, 256) => 168,
            (16, 512) => 182,
            _ => throw new ArgumentOutOfRangeException(nameof(width)),
        };
        var overhead = (8.0 / interval) + (8.0 / interval) + (4.0 / 1538.0);
        return raw - (raw * overhead);
    }

    public static double Write(int gen, int width, int mps, long size, double perTlpExtra = 0)
    {
        var tlps = Math.Ceiling(size / (double)mps);
        var raw = (tlps * (24 + perTlpExtra)) + size;
        return TlpLayerGbps(gen, width, mps) * size / raw;
    }

    public static double Read(int gen, int width, int mps, int mrrs, long size)
    {
        var requests = Math.Ceiling(size / (double)mrrs);
        var txBytes = requests * 24;
        var completions = Math.Ceiling(size / (double)mps);
        var rxBytes = (completions * 20) + size;
        var bw = TlpLayerGbps(gen, width, mps);
        var maxTransactions = bw / rxBytes;
        return maxTransactions * txBytes > bw ? size * bw / txBytes : size * bw / rxBytes;
    }
}
