using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Psp;

public class ScatterPageTests
{
    private const ulong Eol = 0x000F_FFFF_FFFF_F000ul;

    [Fact]
    public void Constants_MatchA4KiBPageOfU64Slots()
    {
        Assert.Equal(4096, ScatterPage.PageSize);
        Assert.Equal(512, ScatterPage.SlotCount);
        Assert.Equal(511, ScatterPage.MaxDataPages);
    }

    [Fact]
    public void Encode_WritesEntriesThenEolThenZeros()
    {
        var page = new byte[4096];
        page.AsSpan().Fill(0xAA);
        var used = ScatterPage.Encode([ScatterListAddress.Data(0x100), ScatterListAddress.Data(0x2FF)], page);

        var expected = new byte[4096];
        PutU64(expected, 0, 0x100_000);
        PutU64(expected, 8, 0x2FF_000);
        PutU64(expected, 16, Eol);
        Assert.Equal(24, used);
        Assert.Equal(expected, page);
    }

    [Fact]
    public void Decode_HandBuiltList_ReturnsEntries()
    {
        var page = new byte[4096];
        PutU64(page, 0, 0x1_000);
        PutU64(page, 8, 0x5_000);
        PutU64(page, 16, 0x9_000);
        PutU64(page, 24, Eol);
        PutU64(page, 32, 0xDEAD_BEEF_0000_0003); // garbage after EOL is never read

        Assert.Equal([ScatterListAddress.Data(1), ScatterListAddress.Data(5), ScatterListAddress.Data(9)], ScatterPage.Decode(page));
    }

    [Fact]
    public void RoundTrip_MaximumList()
    {
        var entries = Enumerable.Range(1, ScatterPage.MaxDataPages).Select(i => ScatterListAddress.Data((ulong)i * 3)).ToArray();
        var page = new byte[4096];
        ScatterPage.Encode(entries, page);
        Assert.Equal(entries, ScatterPage.Decode(page));
    }

    [Fact]
    public void Encode_TooManyPages_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ScatterPage.Encode(new ScatterListAddress[512], new byte[4096]));

    [Fact]
    public void Decode_MissingEol_IsFormatError()
    {
        var page = new byte[4096];
        for (var i = 0; i < 512; i++)
        {
            PutU64(page, i * 8, (ulong)(i + 1) << 12);
        }

        Rejects(page, b => ScatterPage.Decode(b), "EOL");
    }

    [Fact]
    public void Decode_EmptyList_IsFormatError()
    {
        var page = new byte[4096];
        PutU64(page, 0, Eol);
        Rejects(page, b => ScatterPage.Decode(b), "entry[0]");
    }

    [Theory]
    [InlineData(0x7_000ul | (1ul << 5), "reserved")]
    [InlineData(0x7_000ul | (1ul << 60), "reserved")]
    [InlineData(0x7_001ul, "nest")]
    [InlineData(0x7_002ul, "4 KiB")]
    [InlineData(0ul, "NULL")]
    public void Decode_BadSecondEntry_IsFormatErrorNamingIt(ulong raw, string reason)
    {
        var page = new byte[4096];
        PutU64(page, 0, 0x1_000);
        PutU64(page, 8, raw);
        PutU64(page, 16, Eol);
        var ex = Rejects(page, b => ScatterPage.Decode(b), "entry[1]");
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_EveryTruncationOfAList_Throws()
    {
        var page = new byte[4096];
        ScatterPage.Encode([ScatterListAddress.Data(1), ScatterListAddress.Data(2)], page);
        EveryTruncationThrows(page.AsSpan(0, 24).ToArray(), b => ScatterPage.Decode(b));
    }

    [Fact]
    public void Decode_Fuzz_OnlyFormatErrors()
    {
        var page = new byte[4096];
        ScatterPage.Encode([ScatterListAddress.Data(1), ScatterListAddress.Data(2), ScatterListAddress.Data(3)], page);
        FuzzOnlyFormatErrorsEscape(101, 2000, page.AsSpan(0, 64).ToArray(), 80, b => ScatterPage.Decode(b));
    }
}
