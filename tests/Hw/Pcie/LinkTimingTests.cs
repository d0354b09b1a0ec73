using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Pcie;

public sealed class LinkTimingTests
{
    // Raw rates (reference §6.1): x16 GB/s after line encoding.
    [Theory]
    [InlineData(1, 16, false, 4.0)]
    [InlineData(2, 16, false, 8.0)]
    [InlineData(3, 16, false, 15.754)]
    [InlineData(4, 16, false, 31.508)]
    [InlineData(5, 16, false, 63.015)]
    [InlineData(6, 16, true, 128.0)]
    [InlineData(5, 1, false, 3.938)]
    public void RawRate_PerGenerationAndWidth(int gen, int width, bool flit, double gigabytes)
    {
        var t = new LinkTiming(new LinkParameters { Generation = (PcieGeneration)gen, Width = width, FlitMode = flit });
        Assert.Equal(gigabytes, t.RawBytesPerSecond / 1e9, 0.001);
    }

    [Fact]
    public void FlitMode_Gen6x16_Carries236Of256BytesAndNoFraming()
    {
        // Reference §6.1: 118.0 GB/s of TLP bytes for gen 6 x16.
        var t = new LinkTiming(new LinkParameters { Generation = PcieGeneration.Gen6, Width = 16 });
        Assert.Equal(118.0, t.TlpBytesPerSecond / 1e9, 0.0001);
        Assert.Equal(0, t.FramingBytes);
        Assert.True(t.Parameters.IsFlitMode);

        // Reference §6.3 worked numbers (DLLP-free): gen 6 x16 FM, MPS 256, 64-bit MWr: 111.1 GB/s; IDE 104.9; x4 108.3.
        Assert.Equal(111.1, t.WriteBandwidth(1 << 20).GigabytesPerSecond, 0.05);
        Assert.Equal(104.9, t.WriteBandwidth(1 << 20, new IdeLinkOverhead(true)).GigabytesPerSecond, 0.05);
        Assert.Equal(108.3, t.WriteBandwidth(1 << 20, new IdeLinkOverhead(true, 4)).GigabytesPerSecond, 0.05);
    }

    [Fact]
    public void TlpLayerRate_Gen3x8Mps256_MatchesPcieBench5788()
    {
        // Anchor #2: 57.88 Gb/s left for TLPs after ACK/FC DLLPs at the recommended rate and SKP.
        var t = new LinkTiming(new LinkParameters { Generation = PcieGeneration.Gen3, Width = 8, MaxPayloadSize = 256 });
        Assert.Equal(57.88, t.TlpBytesPerSecond * 8 / 1e9, 0.005);
        Assert.Equal(203, t.AckIntervalBytes);
        Assert.Equal(203, t.UpdateFcIntervalBytes);
    }

    [Fact]
    public void ExactRate_ConsecutiveAdvances_NoDrift()
    {
        var t = new LinkTiming(new LinkParameters { Generation = PcieGeneration.Gen3, Width = 8 });
        long carry = 0;
        long sum = 0;
        const long tlps = 1_000_000;
        for (var i = 0; i < tlps; i++)
        {
            sum += t.ByteTime.Advance(280, ref carry).Picoseconds;
        }

        Assert.Equal(t.ByteTime.TimeFor(280 * tlps).Picoseconds, sum);

        // floor(bytes × num / den) computed independently with 128-bit arithmetic.
        var exact = (Int128)280 * tlps * t.ByteTime.Numerator / t.ByteTime.Denominator;
        Assert.Equal((long)exact, sum);
    }

    [Theory]
    [InlineData(PcieGeneration.Gen3, 8, 4374L)]
    [InlineData(PcieGeneration.Gen5, 16, 4374L)]
    [InlineData(PcieGeneration.Gen1, 1, 1L)]
    public void ExactRate_StepAdvances_EndWhereTheRationalTotalSays(PcieGeneration generation, int width, long bytes)
    {
        var rate = new LinkTiming(new LinkParameters { Generation = generation, Width = width }).ByteTime;
        var step = rate.Step(bytes);
        long carry = 0;
        long sum = 0;
        const long bursts = 100_000;
        for (var i = 1; i <= bursts; i++)
        {
            sum += rate.Advance(in step, ref carry).Picoseconds;

            // floor(i × bytes × num / den) and its remainder, computed independently with 128-bit arithmetic.
            var exact = (Int128)i * bytes * rate.Numerator;
            Assert.Equal((long)(exact / rate.Denominator), sum);
            Assert.Equal((long)(exact % rate.Denominator), carry);
        }
    }

    [Fact]
    public void ExactRate_HugeByteCounts_UseWideArithmetic()
    {
        var t = new LinkTiming(new LinkParameters { Generation = PcieGeneration.Gen1, Width = 1, MaxPayloadSize = 4096 });
        var bytes = long.MaxValue / 1000;
        var expected = (Int128)bytes * t.ByteTime.Numerator / t.ByteTime.Denominator;
        if (expected <= long.MaxValue)
        {
            Assert.Equal((long)expected, t.ByteTime.TimeFor(bytes).Picoseconds);
        }

        Assert.Equal(4000, t.RawByteTime.TimeFor(1).Picoseconds); // gen 1 x1: 4 ns per byte after 8b/10b
    }

    [Theory]
    [InlineData("link.width", 3)]
    [InlineData("link.mps", 300)]
    public void Validate_BadParameters_NameTheKey(string key, int value)
    {
        var p = key == "link.width" ? new LinkParameters { Width = value } : new LinkParameters { MaxPayloadSize = value };
        var ex = Assert.Throws<ParameterException>(() => new LinkTiming(p));
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void ReadCost_RcbSplit_PaysMoreCompletionHeaders()
    {
        // Anchor table §1.1: gen 3 x8 MPS 256 reads with 64 B RCB completions stay at 44.1 Gb/s from 64 B up.
        var t = new LinkTiming(new LinkParameters { Generation = PcieGeneration.Gen3, Width = 8, CompletionSplit = CompletionSplitPolicy.ReadCompletionBoundary });
        Assert.Equal(44.1, t.ReadBandwidth(4096).GigabitsPerSecond, 0.05);
    }
}
