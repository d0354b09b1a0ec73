using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Psp;

public class ScatterListAddressTests
{
    // sev-dev-tio.h struct sla_addr_t: page_type:1, page_size:1, reserved1:10, pfn:40, reserved2:12.
    [Fact]
    public void EndOfList_IsAllOnesPfnAndNothingElse() =>
        Assert.Equal(0x000F_FFFF_FFFF_F000ul, ScatterListAddress.EndOfList.Value);

    [Fact]
    public void Null_IsZero()
    {
        Assert.Equal(0ul, ScatterListAddress.Null.Value);
        Assert.True(ScatterListAddress.Null.IsNull);
    }

    [Theory]
    [InlineData(0x12345ul, SlaPageType.Data, SlaPageSize.Size4K, 0x0000_0000_1234_5000ul)]
    [InlineData(0x12345ul, SlaPageType.Scatter, SlaPageSize.Size4K, 0x0000_0000_1234_5001ul)]
    [InlineData(0xFF_FFFF_FFFEul, SlaPageType.Data, SlaPageSize.Size2M, 0x000F_FFFF_FFFF_E002ul)]
    public void Fields_LandOnTheirBits(ulong pfn, SlaPageType type, SlaPageSize size, ulong expected)
    {
        var sla = type == SlaPageType.Scatter ? ScatterListAddress.Scatter(pfn) : ScatterListAddress.Data(pfn, size);
        Assert.Equal(expected, sla.Value);
        Assert.Equal(pfn, sla.Pfn);
        Assert.Equal(type, sla.PageType);
        Assert.Equal(size, sla.PageSize);
        Assert.Equal(pfn << 12, sla.PhysicalAddress);
    }

    [Fact]
    public void Data_EolPfn_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ScatterListAddress.Data(ScatterListAddress.EndOfListPfn));

    [Fact]
    public void FromPhysicalAddress_Unaligned_IsRefused() =>
        Assert.Throws<ArgumentException>(() => ScatterListAddress.FromPhysicalAddress(0x1234_5008));

    [Theory]
    [InlineData(2)]
    [InlineData(11)]
    [InlineData(52)]
    [InlineData(63)]
    public void Read_ReservedBit_IsFormatError(int bit)
    {
        var bytes = new byte[8];
        PutU64(bytes, 0, ScatterListAddress.Data(0x1000).Value | (1ul << bit));
        var ex = Assert.Throws<ProtocolFormatException>(() => ReadOne(bytes));
        Assert.Equal("T.sla", ex.Field);
    }

    [Fact]
    public void Read_EolInACommandField_IsFormatError()
    {
        var bytes = new byte[8];
        PutU64(bytes, 0, 0x000F_FFFF_FFFF_F000ul);
        Assert.Throws<ProtocolFormatException>(() => ReadOne(bytes));
    }

    [Fact]
    public void Read_NullAndValid_RoundTrip()
    {
        foreach (var sla in new[] { ScatterListAddress.Null, ScatterListAddress.Data(0x42), ScatterListAddress.Scatter(0xABCDE), ScatterListAddress.Data(7, SlaPageSize.Size2M) })
        {
            var bytes = new byte[8];
            var writer = new WireWriter(bytes);
            sla.Write(ref writer);
            Assert.Equal(sla, ReadOne(bytes));
        }
    }

    private static ScatterListAddress ReadOne(byte[] bytes)
    {
        var reader = new WireReader(bytes, "T");
        return ScatterListAddress.Read(ref reader, "sla");
    }
}
