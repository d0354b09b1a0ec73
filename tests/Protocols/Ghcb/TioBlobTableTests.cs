using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Ghcb;

public class TioBlobTableTests
{
    // GUID_INIT(0x5caa80c6, 0x12ef, 0x401a, 0xb3, 0x64, 0xec, 0x59, 0xa9, 0x3a, 0xbe, 0x3f): guid_t stores the first
    // three fields little-endian, the last eight bytes as written.
    private static readonly byte[] MeasurementsGuidBytes = [0xc6, 0x80, 0xaa, 0x5c, 0xef, 0x12, 0x1a, 0x40, 0xb3, 0x64, 0xec, 0x59, 0xa9, 0x3a, 0xbe, 0x3f];
    private static readonly byte[] CertificatesGuidBytes = [0x75, 0xcb, 0x8c, 0x07, 0x44, 0x26, 0xe8, 0x49, 0xaf, 0xe7, 0x56, 0x86, 0xc5, 0xcf, 0x72, 0xf1];
    private static readonly byte[] ReportGuidBytes = [0x0e, 0x5b, 0xdc, 0x70, 0xc0, 0x0c, 0xd5, 0x4c, 0x97, 0xbb, 0xff, 0x0b, 0xa2, 0x5b, 0xf3, 0x20];

    [Fact]
    public void Guids_HaveTheLinuxByteLayout()
    {
        Assert.Equal(MeasurementsGuidBytes, TioBlobGuids.Measurements.ToByteArray());
        Assert.Equal(CertificatesGuidBytes, TioBlobGuids.Certificates.ToByteArray());
        Assert.Equal(ReportGuidBytes, TioBlobGuids.Report.ToByteArray());
    }

    [Fact]
    public void Entry_Is24Bytes_TableHoldsThree()
    {
        Assert.Equal(24, TioBlobEntry.Size);
        Assert.Equal(3, TioBlobTable.MaxEntries);
        Assert.Equal(32 * 1024, TioBlobTable.DefaultBufferSize);
    }

    [Fact]
    public void Write_LaysOutTableThenBlobs()
    {
        var buffer = new byte[256];
        var certs = Sequence(10, 0x10);
        var report = Sequence(6, 0x60);
        var used = TioBlobTable.Write(buffer, certs, default, report);

        var expected = new byte[256];
        CertificatesGuidBytes.CopyTo(expected, 0);
        PutU32(expected, 16, 72);
        PutU32(expected, 20, 10);
        ReportGuidBytes.CopyTo(expected, 24);
        PutU32(expected, 40, 82);
        PutU32(expected, 44, 6);
        certs.CopyTo(expected, 72); // slot 3 stays null: the terminator
        report.CopyTo(expected, 82);
        Assert.Equal(88, used);
        Assert.Equal(expected, buffer);

        var table = TioBlobTable.Decode(buffer);
        Assert.Equal(2, table.Entries.Count);
        Assert.Equal(certs, table.GetBlob(buffer, TioBlobGuids.Certificates).ToArray());
        Assert.Equal(report, table.GetBlob(buffer, TioBlobGuids.Report).ToArray());
        Assert.True(table.GetBlob(buffer, TioBlobGuids.Measurements).IsEmpty);
    }

    [Fact]
    public void Decode_HandBuiltThreeEntries()
    {
        var buffer = new byte[200];
        MeasurementsGuidBytes.CopyTo(buffer, 0);
        PutU32(buffer, 16, 100);
        PutU32(buffer, 20, 20);
        CertificatesGuidBytes.CopyTo(buffer, 24);
        PutU32(buffer, 40, 72);
        PutU32(buffer, 44, 28);
        ReportGuidBytes.CopyTo(buffer, 48);
        PutU32(buffer, 64, 120);
        PutU32(buffer, 68, 80);
        var table = TioBlobTable.Decode(buffer);
        Assert.Equal(
            [new TioBlobEntry(TioBlobGuids.Measurements, 100, 20), new TioBlobEntry(TioBlobGuids.Certificates, 72, 28), new TioBlobEntry(TioBlobGuids.Report, 120, 80)],
            table.Entries);

        var again = new byte[200];
        table.Encode(again);
        Assert.Equal(buffer.AsSpan(0, 72).ToArray(), again.AsSpan(0, 72).ToArray());
    }

    [Fact]
    public void Decode_EmptyTable_HasNoEntries() => Assert.Empty(TioBlobTable.Decode(new byte[4096]).Entries);

    [Fact]
    public void Decode_ZeroLengthEntry_IsKeptButNeedsNoRoom()
    {
        var buffer = new byte[96];
        ReportGuidBytes.CopyTo(buffer, 0);
        PutU32(buffer, 16, 0xFFFF_FFF0); // ignored: length 0
        Assert.Single(TioBlobTable.Decode(buffer).Entries);
    }

    [Theory]
    [InlineData(72u, 200u, "length")] // past the end of a 256-byte buffer
    [InlineData(0xFFFF_FFF0u, 0x20u, "length")] // offset + length wraps a u32
    [InlineData(40u, 8u, "offset")] // inside the table (two slots + terminator = 72 bytes)
    public void Decode_BlobOutsideOrInsideTable_IsFormatError(uint offset, uint length, string field)
    {
        var buffer = new byte[256];
        TioBlobTable.Write(buffer, Sequence(10, 1), default, Sequence(6, 1));
        PutU32(buffer, 40, offset);
        PutU32(buffer, 44, length);
        Rejects(buffer, b => TioBlobTable.Decode(b), "entry[1]." + field);
    }

    [Fact]
    public void Decode_OverlappingBlobs_IsFormatError()
    {
        var buffer = new byte[256];
        TioBlobTable.Write(buffer, Sequence(10, 1), default, Sequence(6, 1));
        PutU32(buffer, 40, 80); // report starts inside the certificates [72, 82)
        var ex = Rejects(buffer, b => TioBlobTable.Decode(b), "entry[1].offset");
        Assert.Contains("overlaps entry[0]", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_DuplicateGuid_IsFormatError()
    {
        var buffer = new byte[256];
        TioBlobTable.Write(buffer, Sequence(10, 1), default, Sequence(6, 1));
        CertificatesGuidBytes.CopyTo(buffer, 24);
        Rejects(buffer, b => TioBlobTable.Decode(b), "entry[1].guid");
    }

    [Fact]
    public void Write_TooSmallBuffer_IsArgumentErrorAndRequiredSizeSaysWhy()
    {
        var certs = new byte[40_000];
        Assert.Equal(72 + 40_000, TioBlobTable.RequiredSize(certs, default, default));
        Assert.Throws<ArgumentException>(() => TioBlobTable.Write(new byte[TioBlobTable.DefaultBufferSize], certs, default, default));
    }

    [Fact]
    public void Decode_TruncationsAndFuzz_OnlyFormatErrors()
    {
        var buffer = new byte[120];
        TioBlobTable.Write(buffer, Sequence(10, 1), Sequence(20, 2), Sequence(6, 3));
        EveryTruncationThrows(buffer.AsSpan(0, 72).ToArray(), b => TioBlobTable.Decode(b));
        FuzzOnlyFormatErrorsEscape(701, 3000, buffer, 160, b => TioBlobTable.Decode(b));
    }
}
