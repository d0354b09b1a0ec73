using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Pcie;

public sealed class TlpCodecTests
{
    public static TheoryData<string> Headers() => new(HeaderCases.Keys);

    private static readonly Dictionary<string, TlpHeader> HeaderCases = new()
    {
        ["MWr 3DW"] = TlpHeader.MemoryWrite(0x0100, 0x8000_1004, 250, 3, TlpAttributes.NoSnoop | TlpAttributes.RelaxedOrdering),
        ["MWr 4DW"] = TlpHeader.MemoryWrite(0x0208, 0x12_3456_7000, 4096),
        ["MWr 1DW partial"] = TlpHeader.MemoryWrite(0x0100, 0x1001, 2),
        ["MRd 3DW tag 10-bit"] = TlpHeader.MemoryRead(0xFFFF, 1023, 0xFFFF_F000, 512, 7, TlpAttributes.IdBasedOrdering),
        ["MRd 4DW"] = TlpHeader.MemoryRead(0x0100, 0x2A5, 0x1_0000_0040, 64),
        ["MRd hints"] = new TlpHeader { Type = TlpType.MemoryRead, Is4Dw = true, RequesterId = 1, Tag = 5, Address = 0x1_0000_0000, LengthDw = 2, FirstBe = 0xF, LastBe = 0xF, Hints = true, ProcessingHint = 2, AddressType = 2 },
        ["CplD"] = TlpHeader.CompletionWithData(0x0000, 0x0100, 0x3FF, 0x1_0000_0044, 60, 452),
        ["CplD 4096"] = TlpHeader.CompletionWithData(0x0000, 0x0100, 7, 0, 4096, 4096),
        ["Cpl UR"] = TlpHeader.CompletionWithoutData(0x0008, 0x0100, 0x155, CompletionStatus.UnsupportedRequest),
        ["Cpl CA BCM"] = new TlpHeader { Type = TlpType.Completion, CompleterId = 1, RequesterId = 2, Tag = 3, Status = CompletionStatus.CompleterAbort, ByteCountModified = true, ByteCount = 77, LowerAddress = 0x7F },
        ["CplDLk"] = new TlpHeader { Type = TlpType.CompletionWithDataLocked, CompleterId = 1, RequesterId = 2, Tag = 3, ByteCount = 4, LengthDw = 1 },
        ["Msg IDE Sync"] = TlpHeader.IdeMessage(MessageCode.IdeSync, 0x0100, 0x0000, 9, 244, 3, 2),
        ["Msg IDE Fail"] = TlpHeader.IdeMessage(MessageCode.IdeFail, 0x0000, 0x0100, 200),
        ["Msg local"] = TlpHeader.Message(0x0100, 0x7F, MessageRouting.Local, 0x0123_4567_89AB_CDEF),
        ["Msg by address"] = new TlpHeader { Type = TlpType.Message, Is4Dw = true, Routing = MessageRouting.ByAddress, MessageCode = 0x20, Address = 0xFEE0_0000_1000 },
        ["MsgD to RC"] = new TlpHeader { Type = TlpType.MessageWithData, Is4Dw = true, Routing = MessageRouting.ToRootComplex, MessageCode = 0x7F, LengthDw = 4, RequesterId = 0x100 },
        ["CfgRd0"] = new TlpHeader { Type = TlpType.ConfigRead0, LengthDw = 1, FirstBe = 0xF, RequesterId = 0, Tag = 9, TargetId = 0x0100, RegisterOffset = 0xFFC },
        ["CfgWr1"] = new TlpHeader { Type = TlpType.ConfigWrite1, LengthDw = 1, FirstBe = 0x3, RequesterId = 0, Tag = 9, TargetId = 0x0208, RegisterOffset = 0x104 },
        ["IORd"] = new TlpHeader { Type = TlpType.IoRead, LengthDw = 1, FirstBe = 0x1, Address = 0xCF8 },
        ["IOWr"] = new TlpHeader { Type = TlpType.IoWrite, LengthDw = 1, FirstBe = 0xF, Address = 0xCFC },
        ["MRdLk"] = new TlpHeader { Type = TlpType.MemoryReadLocked, LengthDw = 1, FirstBe = 0xF, Address = 0x1000 },
        ["DMWr"] = new TlpHeader { Type = TlpType.DeferrableMemoryWrite, Is4Dw = true, LengthDw = 16, FirstBe = 0xF, LastBe = 0xF, Address = 0x2_0000_0000 },
        ["FetchAdd"] = new TlpHeader { Type = TlpType.FetchAdd, LengthDw = 2, Address = 0x1000 },
        ["Swap 64"] = new TlpHeader { Type = TlpType.Swap, Is4Dw = true, LengthDw = 2, Address = 0x1_0000_1000 },
        ["CAS"] = new TlpHeader { Type = TlpType.CompareAndSwap, LengthDw = 4, Address = 0x1000 },
        ["MWr TD EP"] = new TlpHeader { Type = TlpType.MemoryWrite, LengthDw = 1, FirstBe = 0xF, Address = 0x100, Digest = true, Poisoned = true },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void EncodeDecode_EveryTlpType_ExactInverses(string name)
    {
        var header = HeaderCases[name];
        var payload = IdeTestPairPayload(header.PayloadBytes);
        var wire = new byte[TlpCodec.EncodedLength(header)];
        Assert.Equal(wire.Length, TlpCodec.Encode(header, payload, wire));

        var layout = TlpCodec.Parse(wire, out var decoded, out _);
        Assert.Equal(header, decoded);
        Assert.Equal(payload, wire.AsSpan(layout.PayloadOffset, layout.PayloadBytes).ToArray());

        var again = new byte[wire.Length];
        TlpCodec.Encode(decoded, payload, again);
        Assert.Equal(wire, again);
    }

    [Fact]
    public void Encode_MemoryWrite64_MatchesSpecBitLayout()
    {
        // Figures 2-5 / 2-15: Fmt 011 Type 00000, TC in byte 1 [6:4], Attr[1:0] byte 2 [5:4], Length 10 bits, BEs in byte 7.
        var h = TlpHeader.MemoryWrite(0xABCD, 0x1_2345_6788, 16, 5, TlpAttributes.RelaxedOrdering);
        h.Tag = 0x2C3; // 10-bit tag: T9 byte 1 bit 7, T8 byte 1 bit 3
        var wire = new byte[32];
        TlpCodec.Encode(h, new byte[16], wire);
        Assert.Equal(
            new byte[] { 0x60, 0x80 | 0x50, 0x20, 0x04, 0xAB, 0xCD, 0xC3, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x88 },
            wire.AsSpan(0, 16).ToArray());
    }

    [Fact]
    public void Encode_CompletionWithData_MatchesSpecBitLayout()
    {
        var h = TlpHeader.CompletionWithData(0x0008, 0x0100, 0x42, 0x1000_0044, 60, 0x1C4);
        var wire = new byte[12 + 60];
        TlpCodec.Encode(h, new byte[60], wire);

        // Fmt 010 Type 01010; Length 15 DW; status SC, byte count 0x1C4, lower address 0x44.
        Assert.Equal(new byte[] { 0x4A, 0x00, 0x00, 0x0F, 0x00, 0x08, 0x01, 0xC4, 0x01, 0x00, 0x42, 0x44 }, wire.AsSpan(0, 12).ToArray());
    }

    [Fact]
    public void Parse_WithPrefixes_FindsIdeLocalAndEndToEndPrefixes()
    {
        var header = TlpHeader.MemoryWrite(0x0100, 0x1_0000_0000, 64);
        var payload = IdeTestPairPayload(64);
        var prefixes = new byte[] { 0x8E, 1, 2, 3, 0x91, 0, 0, 5 }; // a vendor local prefix, then a PASID End-End prefix
        var tlp = new Tlp();
        tlp.Encode(header, payload, prefixes);
        Assert.Equal(4, tlp.Layout.LocalPrefixBytes);
        Assert.Equal(4, tlp.Layout.EndToEndPrefixBytes);
        Assert.False(tlp.IsIde);

        // IDE inserts its prefix after the local prefixes, first among End-End prefixes.
        var wire = new byte[8 + 4 + 16 + 64 + 12];
        prefixes.AsSpan(0, 4).CopyTo(wire);
        new IdePrefix(3, 0, 0, false, true, 1, true).Write(wire.AsSpan(4));
        prefixes.AsSpan(4, 4).CopyTo(wire.AsSpan(8));
        TlpCodec.EncodeHeader(header, wire.AsSpan(12));
        var layout = TlpCodec.Parse(wire, out var decoded, out var ide);
        Assert.Equal(4, layout.IdePrefixOffset);
        Assert.Equal(8, layout.EndToEndPrefixBytes);
        Assert.Equal(4, layout.AadOffset);
        Assert.Equal(12 + 16 - 4, layout.AadLength);
        Assert.Equal(12 + 16 + 64, layout.MacOffset);
        Assert.True(ide.TeeOriginated);
        Assert.Equal(header, decoded);
    }

    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "reserved Fmt/Type", [0x3F, 0, 0, 1, 0, 0, 0, 0xF, 0, 0, 0, 0], "Fmt/Type" },
        { "reserved message routing", [0x36, 0, 0, 0, 0, 0, 0, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0], "Message routing" },
        { "length longer than the packet", [0x40, 0, 0, 2, 0, 0, 0, 0xFF, 0, 0, 0x10, 0, 1, 2, 3, 4], "Length" },
        { "length shorter than the packet", [0x40, 0, 0, 1, 0, 0, 0, 0x0F, 0, 0, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8], "Length" },
        { "truncated header", [0x60, 0, 0, 1, 0, 0, 0, 0x0F, 0, 0, 0x10], "Length" },
        { "empty", [], "Fmt/Type" },
        { "reserved completion status", [0x0A, 0, 0, 0, 0, 0, 0x60, 4, 0, 0, 0, 0], "Completion Status" },
        { "1-DW request with Last BE", [0x00, 0, 0, 1, 0, 0, 0, 0xFF, 0, 0, 0x10, 0], "Last DW BE" },
        { "multi-DW request with First BE 0", [0x00, 0, 0, 2, 0, 0, 0, 0xF0, 0, 0, 0x10, 0], "First DW BE" },
        { "crosses 4 KiB", [0x00, 0, 0, 4, 0, 0, 0, 0xFF, 0, 0, 0x0F, 0xF8], "Address/Length" },
        { "IDE prefix not first End-End", [0x91, 0, 0, 0, 0x92, 0, 1, 0x04, 0x00, 0, 0, 1, 0, 0, 0, 0x0F, 0, 0, 0x10, 0], "IDE prefix" },
        { "ECRC on IDE TLP", [0x92, 0, 1, 0x04, 0x00, 0, 0x80, 1, 0, 0, 0, 0x0F, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "TD" },
        { "local prefix after End-End", [0x91, 0, 0, 0, 0x8E, 0, 0, 0, 0x00, 0, 0, 1, 0, 0, 0, 0x0F, 0, 0, 0x10, 0], "Local TLP Prefix" },
        { "only prefixes", [0x91, 0, 0, 0], "Fmt/Type" },
        { "five End-End prefixes", [0x91, 0, 0, 0, 0x91, 0, 0, 0, 0x91, 0, 0, 0, 0x91, 0, 0, 0, 0x91, 0, 0, 0, 0x00, 0, 0, 1, 0, 0, 0, 0x0F, 0, 0, 0x10, 0], "End-End TLP Prefix" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_MalformedBytes_TypedErrorNamesTheField(string description, byte[] wire, string field)
    {
        var ex = Assert.Throws<TlpFormatException>(() => TlpCodec.Parse(wire, out _, out _));
        Assert.True(ex.Field == field, $"{description}: expected field {field}, got {ex.Field} ({ex.Message})");
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrowsAnythingButTlpFormatException()
    {
        var random = new Random(42);
        var buffer = new byte[64];
        for (var i = 0; i < 20000; i++)
        {
            var length = random.Next(0, buffer.Length);
            random.NextBytes(buffer);
            try
            {
                TlpCodec.Parse(buffer.AsSpan(0, length), out _, out _);
            }
            catch (TlpFormatException)
            {
            }
        }
    }

    [Fact]
    public void Pool_RentRelease_ReusesObjectsAndRejectsDoubleRelease()
    {
        var pool = new TlpPool(2);
        var a = pool.Rent();
        var b = pool.Rent();
        var c = pool.Rent();
        Assert.Equal(3, pool.Created);
        a.Release();
        Assert.Same(a, pool.Rent());
        b.Release();
        Assert.Throws<InvalidOperationException>(b.Release);
        Assert.Equal(2, pool.Outstanding);
        _ = c;
    }

    private static byte[] IdeTestPairPayload(int length)
    {
        var p = new byte[length];
        new Random(length).NextBytes(p);
        return p;
    }
}
