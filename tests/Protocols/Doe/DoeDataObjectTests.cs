using SevTio.Protocols.Doe;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests.Doe;

/// <summary>Expected bytes follow PCIe §6.30.1: DW0 = Vendor ID [15:0], type [23:16]; DW1 = length in DW incl. header.</summary>
public class DoeDataObjectTests
{
    [Fact]
    public void Encode_FiveBytePayload_PadsToDwAndCountsHeader()
    {
        var bytes = DoeDataObject.Encode(DoeDataObjectType.Spdm, [1, 2, 3, 4, 5]);

        byte[] expected = [0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 0, 0, 0];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Decode_LengthZero_MeansTwoToThe18Dw()
    {
        byte[] header = [0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00];
        var reader = new WireReader(header, "DOE");

        var decoded = DoeDataObjectHeader.Read(ref reader);

        Assert.Equal(1 << 18, decoded.LengthDw);
        Assert.Equal(1 << 20, decoded.LengthBytes);
    }

    [Fact]
    public void Encode_OneMebibyteObject_WritesLengthZero()
    {
        var bytes = DoeDataObject.Encode(DoeDataObjectType.Spdm, new byte[(1 << 20) - 8]);

        Assert.Equal(0u, BitConverter.ToUInt32(bytes, 4));
        Assert.Equal(DoeDataObjectType.Spdm, DoeDataObject.Decode(bytes, out var payload).DataObjectType);
        Assert.Equal((1 << 20) - 8, payload.Length);
    }

    [Fact]
    public void Decode_LengthOne_ThrowsNamingLength()
    {
        byte[] bytes = [0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00];

        var e = Assert.Throws<ProtocolFormatException>(() => DoeDataObject.Decode(bytes, out _));
        Assert.Equal("DOE.Length", e.Field);
    }

    [Fact]
    public void Decode_LengthBeyondBuffer_Throws()
    {
        byte[] bytes = [0x01, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4];

        var e = Assert.Throws<ProtocolFormatException>(() => DoeDataObject.Decode(bytes, out _));
        Assert.Equal("DOE.Length", e.Field);
    }

    [Fact]
    public void Decode_ReservedLengthBits_AreIgnored()
    {
        byte[] bytes = [0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0xFC, 0xFF, 9, 9, 9, 9];

        var header = DoeDataObject.Decode(bytes, out var payload);

        Assert.Equal(3, header.LengthDw);
        Assert.Equal([9, 9, 9, 9], payload.ToArray());
    }

    [Fact]
    public void Decode_UnknownType_IsReturnedForTheReceiverToRefuse()
    {
        byte[] bytes = [0x01, 0x00, 0x07, 0x00, 0x02, 0x00, 0x00, 0x00];

        Assert.Equal((DoeDataObjectType)7, DoeDataObject.Decode(bytes, out _).DataObjectType);
    }

    [Fact]
    public void DiscoveryResponse_Encode_PutsVendorTypeAndNextIndex()
    {
        Assert.Equal([0x01, 0x00, 0x02, 0x00], new DoeDiscoveryResponse(1, DoeDataObjectType.SecuredSpdm, 0).Encode());
        Assert.Equal([0x01, 0x00, 0x00, 0x00], new DoeDiscoveryRequest(1).Encode());
    }
}
