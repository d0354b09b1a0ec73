using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Ide;

public sealed class IdePrefixTests
{
    public static TheoryData<byte, byte, byte, bool, bool, byte, bool> Prefixes()
    {
        var data = new TheoryData<byte, byte, byte, bool, bool, byte, bool>();
        foreach (var ss in new byte[] { 0, 1, 2, 3, 7 })
        {
            foreach (var (p, m) in new[] { (false, false), (false, true), (true, true) })
            {
                foreach (var k in new byte[] { 0, 1 })
                {
                    foreach (var t in new[] { false, true })
                    {
                        data.Add(0xA5, ss, (byte)(ss * 37), p, m, k, t);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void IdePrefix_EncodeDecode_RoundTripsEveryFieldCombination(byte streamId, byte ss, byte counter, bool p, bool m, byte k, bool t)
    {
        var prefix = new IdePrefix(streamId, ss, counter, p, m, k, t);
        var bytes = new byte[4];
        prefix.Write(bytes);

        // Layout from the reference §1.2: byte 0 0x92, byte 1 counter, byte 2 stream, byte 3 ss[6:4] P M K T.
        Assert.Equal(0x92, bytes[0]);
        Assert.Equal(counter, bytes[1]);
        Assert.Equal(streamId, bytes[2]);
        Assert.Equal((ss << 4) | (p ? 8 : 0) | (m ? 4 : 0) | (k << 1) | (t ? 1 : 0), bytes[3]);
        Assert.Equal(prefix, IdePrefix.Read(bytes));
    }

    [Fact]
    public void IdePrefix_PcrcWithoutMac_IsMalformedNamingTheField()
    {
        var ex = Assert.Throws<TlpFormatException>(() => IdePrefix.Read([0x92, 0, 1, 0x08]));
        Assert.Equal("IDE prefix P", ex.Field);
    }

    [Fact]
    public void IdePrefix_WrongFirstByte_IsMalformed()
    {
        var ex = Assert.Throws<TlpFormatException>(() => IdePrefix.Read([0x91, 0, 1, 0x04]));
        Assert.Equal("IDE prefix Fmt/Type", ex.Field);
    }

    [Fact]
    public void IdePrefix_ReservedBit7_IsIgnored()
    {
        var prefix = IdePrefix.Read([0x92, 0, 1, 0x84 | 0x10]);
        Assert.Equal(1, prefix.Substream);
        Assert.True(prefix.MacPresent);
    }

    [Theory]
    [InlineData(0x12, 7, 3, 0, true, 1, true)]
    [InlineData(0x00, 0, 255, 1, false, 0, false)]
    [InlineData(0xFF, 2, 0, 7, true, 1, false)]
    public void OhcC_EncodeDecode_RoundTrips(byte segment, byte counter, byte stream, byte ss, bool rsv, byte k, bool t)
    {
        var ohc = new OhcC(segment, counter, stream, ss, rsv, k, t);
        var bytes = new byte[4];
        ohc.Write(bytes);
        Assert.Equal(segment, bytes[0]);
        Assert.Equal(counter, bytes[1]);
        Assert.Equal(stream, bytes[2]);
        Assert.Equal((ss << 4) | (rsv ? 8 : 0) | (k << 1) | (t ? 1 : 0), bytes[3]);
        Assert.Equal(ohc, OhcC.Read(bytes));
        Assert.Equal(ss != 7, ohc.IsIde);
    }

    [Theory]
    [InlineData(false, false, 0b000, 0)]
    [InlineData(true, false, 0b101, 12)]
    [InlineData(true, true, 0b110, 16)]
    public void IdeTrailer_EncodeDecode_RoundTripsWithSizes(bool mac, bool pcrc, byte ts, int bytes)
    {
        Assert.Equal(ts, IdeTrailer.Encode(mac, pcrc));
        Assert.Equal((mac, pcrc), IdeTrailer.Decode(ts));
        Assert.Equal(bytes, IdeTrailer.Length(ts));
    }

    [Fact]
    public void IdeTrailer_EcrcOnIdeTlp_IsMalformed()
    {
        var ex = Assert.Throws<TlpFormatException>(() => IdeTrailer.Decode(0b001));
        Assert.Equal("TS", ex.Field);
    }

    [Fact]
    public void Pcrc_MatchesBitwiseCrc32FromTheSpecDescription()
    {
        // CRC-32, polynomial 04C11DB7h, seed FFFFFFFFh, bit 0 of byte 0 first, complemented — computed bit by bit here.
        var data = IdeTestPair.Payload(300, 9);
        uint crc = 0xFFFF_FFFF;
        foreach (var b in data)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var inBit = (uint)((b >> bit) & 1);
                var top = crc >> 31;
                crc <<= 1;
                if ((top ^ inBit) != 0)
                {
                    crc ^= 0x04C1_1DB7;
                }
            }
        }

        // The register holds the CRC with bit 31 = x^0 coefficient last in; reflect to compare with the LSB-first form.
        var reflected = 0u;
        for (var i = 0; i < 32; i++)
        {
            reflected |= ((crc >> i) & 1) << (31 - i);
        }

        Assert.Equal(~reflected, Pcrc.Compute(data));
        Assert.Equal(0xCBF4_3926u, Pcrc.Compute("123456789"u8)); // the CRC-32 check value
    }
}
