using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Pcie;

/// <summary>
/// TLPs whose buffer is sized for a link's MPS (the burst level's batches): the largest packet of that MPS fits — 4 B
/// IDE prefix, 4 DW header, MPS payload, 4 B PCRC and the 96-bit MAC (PCIe 6.0 §6.33.5 layout) — and anything larger is
/// refused without touching the packet already there.
/// </summary>
public sealed class TlpBufferTests
{
    [Theory]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(4096)]
    public void The_largest_IDE_packet_of_the_MPS_fits(int mps)
    {
        var tlp = new Tlp(mps);
        Assert.Equal(mps, tlp.MaxPayloadBytes);

        var payload = tlp.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, 0x1_0000_0000, mps));
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 7);
        }

        tlp.InsertIdePrefix(new IdePrefix(1, 0, 0, PcrcPresent: true, MacPresent: true, 0, TeeOriginated: true));
        tlp.AppendIdeTrailer(pcrc: true, mac: true);

        Assert.Equal(IdePrefix.Size + 16 + mps + 4 + 12, tlp.Length);
        Assert.Equal(mps, tlp.Payload.Length);
        for (var i = 0; i < mps; i++)
        {
            Assert.Equal((byte)(i * 7), tlp.Payload[i]);
        }

        // The wire bytes parse back to the same packet (a receiver with a full-size buffer).
        var received = new Tlp();
        received.Load(tlp.Wire);
        Assert.Equal(tlp.Header, received.Header);
        Assert.True(received.Layout.HasIdePrefix);
        Assert.True(tlp.Payload.SequenceEqual(received.Payload));
    }

    [Fact]
    public void A_default_TLP_holds_the_largest_PCIe_payload() => Assert.Equal(4096, new Tlp().MaxPayloadBytes);

    [Fact]
    public void A_payload_above_the_MPS_is_refused()
    {
        var tlp = new Tlp(256);
        var e = Assert.Throws<ArgumentException>(() => tlp.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, 0x1000, 260)));
        Assert.Equal("header", e.ParamName);
    }

    [Fact]
    public void Loading_a_longer_packet_is_refused_and_keeps_the_packet_in_place()
    {
        var small = new Tlp(128);
        small.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, 0x2000, 64)).Fill(0xAB);
        var before = small.Wire.ToArray();

        var big = new Tlp();
        big.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, 0x1000, 512)).Fill(0x5A);

        Assert.Throws<ArgumentException>(() => small.Load(big.Wire));
        Assert.Throws<ArgumentException>(() => big.CopyTo(small));
        Assert.Equal(before, small.Wire.ToArray());
        Assert.Equal(64, small.Header.PayloadBytes);
    }
}
