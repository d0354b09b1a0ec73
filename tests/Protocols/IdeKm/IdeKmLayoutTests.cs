using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests.IdeKm;

/// <summary>Layouts from the reference §2 (PCIe §6.33.3) and intel/tee-io-validator doc/key_byte_order.md.</summary>
public class IdeKmLayoutTests
{
    /// <summary>The example AES-256 key of tee-io-validator, AES byte order (byte 0 first).</summary>
    private static readonly byte[] s_exampleKey = Convert.FromHexString("df254152056e02e0ef8b7feb9739d4d96a4eb80103241df7cd5e24b49ccd2720");

    [Fact]
    public void KeyProg_ExampleKey_GoesOnTheWireInIdeKmByteOrder()
    {
        var info = new IdeKmKeyInfo(0, IdeKmDirection.Transmit, IdeKmSubStream.NonPostedRequest);
        var envelope = PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, new IdeKmKeyProg(3, info, 0, s_exampleKey, 1).Encode());

        // Built by hand from the reference: Protocol ID 0, Object ID 2, 2 reserved, StreamID, reserved, KeyInfo
        // (key set 0, Tx bit 1, sub-stream NPR in bits 7:4 = 0x12), PortIndex; then DW7..DW0 of the key, each DW a
        // little-endian u32 whose bits 31:24 hold the first key byte of its group, so each 4-byte group is reversed;
        // then the IFV high DW (IV bytes 4..7 = 0) and low DW (IV bytes 8..11 = 00 00 00 01), little-endian.
        var expected = new List<byte> { 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x12, 0x00 };
        for (var group = 0; group < 8; group++)
        {
            for (var j = 3; j >= 0; j--)
            {
                expected.Add(s_exampleKey[(4 * group) + j]);
            }
        }

        expected.AddRange([0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
        Assert.Equal(48, expected.Count);
        Assert.Equal(expected.ToArray(), envelope[11..]);
        Assert.Equal([0x52, 0x41, 0x25, 0xDF], envelope[19..23]);
        Assert.Equal([0x20, 0x27, 0xCD, 0x9C], envelope[47..51]);
    }

    [Fact]
    public void KeyProg_InitialCounter_IsHighDwThenLowDwOfIvBytes4To11()
    {
        var bytes = new IdeKmKeyProg(0, default, 0, new byte[32], 0x0102_0304_0506_0708).Encode();

        // IV bytes 4..11 = 01 02 03 04 05 06 07 08 (big-endian counter); DW1 = bytes 4..7, DW0 = bytes 8..11.
        Assert.Equal([0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05], bytes[^8..]);
    }

    [Fact]
    public void KeyProg_Decode_RecoversKeyInAesByteOrder()
    {
        var info = new IdeKmKeyInfo(1, IdeKmDirection.Receive, IdeKmSubStream.Completion);
        var decoded = IdeKmKeyProg.Decode(new IdeKmKeyProg(9, info, 0, s_exampleKey, 1).Encode());

        Assert.Equal(s_exampleKey, decoded.Key);
        Assert.Equal(1ul, decoded.InitialCounter);
        Assert.Equal(info, decoded.KeyInfo);
    }

    [Theory]
    [InlineData(0, IdeKmDirection.Receive, IdeKmSubStream.PostedRequest, 0x00)]
    [InlineData(1, IdeKmDirection.Receive, IdeKmSubStream.PostedRequest, 0x01)]
    [InlineData(0, IdeKmDirection.Transmit, IdeKmSubStream.PostedRequest, 0x02)]
    [InlineData(0, IdeKmDirection.Receive, IdeKmSubStream.NonPostedRequest, 0x10)]
    [InlineData(1, IdeKmDirection.Transmit, IdeKmSubStream.Completion, 0x23)]
    public void KeyInfo_ToByte_KeySetBit0TxBit1SubStreamBits7To4(byte keySet, IdeKmDirection direction, IdeKmSubStream subStream, byte expected)
    {
        var info = new IdeKmKeyInfo(keySet, direction, subStream);

        Assert.Equal(expected, info.ToByte());
        Assert.Equal(info, IdeKmKeyInfo.FromByte(expected));
    }

    [Fact]
    public void KpAck_Encode_StatusAtByte5WithProtocolId()
    {
        var wire = PciSigVendorDefined.EncodeResponse(PciProtocolId.IdeKm, new IdeKmKpAck(4, IdeKmKpAckStatus.UnsupportedPortIndex, IdeKmKeyInfo.FromByte(0x21), 1).Encode());

        Assert.Equal([0x00, 0x03, 0x00, 0x00, 0x04, 0x02, 0x21, 0x01], wire[11..]);
    }

    [Fact]
    public void KSetGo_Encode_IsEightBytesWithProtocolId()
    {
        var wire = PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, 4, IdeKmKeyInfo.FromByte(0x02), 0).Encode());

        Assert.Equal([0x00, 0x04, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00], wire[11..]);
    }

    [Fact]
    public void QueryResponse_CapabilityCopyOfWrongLength_ThrowsAndNamesTheBlock()
    {
        // Link IDE supported with 2 TCs (bits 15:13 = 1) needs 2 Link blocks of 8 bytes after Cap and Ctl.
        var cap = new byte[8 + 8];
        cap[0] = 0x01;
        cap[1] = 0x20;
        var bytes = new IdeKmQueryResponse(0, 0, 0, 0, 0, cap).Encode();

        var e = Assert.Throws<ProtocolFormatException>(() => IdeKmQueryResponse.Decode(bytes));
        Assert.Equal("IDE_KM.QUERY_RESP.IdeCapability.LinkBlock", e.Field);
    }

    [Fact]
    public void Decode_ResponseObjectAsWrongType_Throws()
    {
        Assert.Throws<ProtocolFormatException>(() => IdeKmKpAck.Decode(new IdeKmQuery(0).Encode()));
        Assert.Throws<ProtocolFormatException>(() => IdeKmMessage.Decode([0x09, 0, 0]));
    }
}
