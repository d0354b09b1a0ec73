using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Pcie;

public sealed class TlpSplitterTests
{
    [Fact]
    public void Writes_UnalignedAcrossPage_SplitAtMpsAndFourKiB()
    {
        // 0x0F80 + 0x300 bytes, MPS 256: 128 to the 4 KiB boundary, then 256, 256, 128 (PCIe §2.2.7: no TLP crosses 4 KiB).
        var chunks = Collect(TlpSplitter.Writes(0x0F80, 0x300, 256));
        Assert.Equal([(0x0F80UL, 128), (0x1000UL, 256), (0x1100UL, 256), (0x1200UL, 128)], chunks);
        Assert.Equal(4, TlpSplitter.CountWrites(0x0F80, 0x300, 256));
    }

    [Fact]
    public void ReadRequests_SplitAtMrrsAndFourKiB()
    {
        var chunks = Collect(TlpSplitter.ReadRequests(0x1E00, 2048, 1024));
        Assert.Equal([(0x1E00UL, 512), (0x2000UL, 1024), (0x2400UL, 512)], chunks);
    }

    [Fact]
    public void Completions_MpsPolicy_EndOnRcbBoundariesWithByteCountAndLowerAddress()
    {
        // A 512-byte read at 0x1010, RCB 64, MPS 256: 240 bytes to 0x1100 (RCB aligned), 256, then the last 16.
        var cpls = new List<TlpChunk>();
        foreach (var c in TlpSplitter.Completions(0x1010, 512, 64, 256, CompletionSplitPolicy.MaxPayload))
        {
            cpls.Add(c);
        }

        Assert.Equal([240, 256, 16], cpls.Select(c => c.Length));
        Assert.Equal([512, 272, 16], cpls.Select(c => c.ByteCount));
        Assert.Equal([(byte)0x10, (byte)0x00, (byte)0x00], cpls.Select(c => c.LowerAddress));
        Assert.Equal([0x1010UL, 0x1100UL, 0x1200UL], cpls.Select(c => c.Address));
    }

    [Fact]
    public void Completions_RcbPolicy_OneCompletionPerRcbBlock()
    {
        var cpls = new List<TlpChunk>();
        foreach (var c in TlpSplitter.Completions(0x2000, 512, 64, 256, CompletionSplitPolicy.ReadCompletionBoundary))
        {
            cpls.Add(c);
        }

        Assert.Equal(8, cpls.Count);
        Assert.All(cpls, c => Assert.Equal(64, c.Length));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => 512 - (64 * i)), cpls.Select(c => c.ByteCount));
        Assert.Equal(8, TlpSplitter.CountCompletions(0x2000, 512, 512, 64, 256, CompletionSplitPolicy.ReadCompletionBoundary));
    }

    [Fact]
    public void Completions_SmallReadThatFits_OneCompletion()
    {
        var cpls = new List<TlpChunk>();
        foreach (var c in TlpSplitter.Completions(0x1030, 200, 64, 256, CompletionSplitPolicy.MaxPayload))
        {
            cpls.Add(c);
        }

        Assert.Equal([200], cpls.Select(c => c.Length));
    }

    [Fact]
    public void Chunk_LengthDw_CountsPartialDwords()
    {
        Assert.Equal(2, new TlpChunk(0x1003, 2, 2, 3).LengthDw);
        Assert.Equal(64, new TlpChunk(0x1000, 256, 256, 0).LengthDw);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(0)]
    public void Writes_InvalidMps_Throws(int mps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TlpSplitter.Writes(0, 64, mps));

    private static List<(ulong, int)> Collect(TlpSplitter.RequestEnumerator e)
    {
        var list = new List<(ulong, int)>();
        foreach (var c in e)
        {
            list.Add((c.Address, c.Length));
        }

        return list;
    }
}
