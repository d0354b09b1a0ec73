using System.Buffers.Binary;
using System.Text;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests.Spdm;

/// <summary>Field offsets and sizes from DSP0274 1.2 tables (and libspdm's spdm.h), checked byte by byte.</summary>
public class SpdmLayoutTests
{
    [Fact]
    public void GetVersion_Encode_IsVersion10HeaderOnly()
    {
        Assert.Equal([0x10, 0x84, 0x00, 0x00], new SpdmGetVersion().Encode());
    }

    [Fact]
    public void GetCapabilities12_Encode_MatchesTable9()
    {
        var bytes = new SpdmGetCapabilities(new SpdmCapabilitiesFields(0x0C, SpdmCapabilityFlags.EncryptCap | SpdmCapabilityFlags.MacCap | SpdmCapabilityFlags.KeyExCap, 0x1000, 0x2000)).Encode();

        byte[] expected =
        [
            0x12, 0xE1, 0x00, 0x00,
            0x00, 0x0C, 0x00, 0x00,
            0xC0, 0x02, 0x00, 0x00,
            0x00, 0x10, 0x00, 0x00,
            0x00, 0x20, 0x00, 0x00,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void NegotiateAlgorithms_Encode_PutsFieldsAtTable14Offsets()
    {
        var bytes = new SpdmNegotiateAlgorithms(
            SpdmMeasurementSpecification.Dmtf,
            SpdmOpaqueDataFormats.Format1,
            SpdmBaseAsymAlgorithms.EcdsaP384,
            SpdmBaseHashAlgorithms.Sha384,
            [
                new SpdmAlgStruct(SpdmAlgStructType.Dhe, (ushort)SpdmDheGroups.Secp384r1),
                new SpdmAlgStruct(SpdmAlgStructType.Aead, (ushort)SpdmAeadCipherSuites.Aes256Gcm),
                new SpdmAlgStruct(SpdmAlgStructType.ReqBaseAsymAlg, (ushort)SpdmBaseAsymAlgorithms.EcdsaP384),
                new SpdmAlgStruct(SpdmAlgStructType.KeySchedule, (ushort)SpdmKeySchedules.Spdm),
            ]).Encode();

        Assert.Equal(48, bytes.Length);
        Assert.Equal([0x12, 0xE3, 0x04, 0x00], bytes[..4]);
        Assert.Equal(48, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x01, bytes[6]);
        Assert.Equal(0x02, bytes[7]);
        Assert.Equal(0x80u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0x02u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(new byte[16], bytes[16..32]);
        Assert.Equal([0x02, 0x20, 0x10, 0x00, 0x03, 0x20, 0x02, 0x00, 0x04, 0x20, 0x80, 0x00, 0x05, 0x20, 0x01, 0x00], bytes[32..]);
    }

    [Fact]
    public void Algorithms_Encode_PutsSelectionsAtTable19Offsets()
    {
        var bytes = new SpdmAlgorithms(
            SpdmMeasurementSpecification.Dmtf, SpdmOpaqueDataFormats.Format1, SpdmMeasurementHashAlgorithms.Sha384,
            SpdmBaseAsymAlgorithms.EcdsaP384, SpdmBaseHashAlgorithms.Sha384,
            [new SpdmAlgStruct(SpdmAlgStructType.Dhe, (ushort)SpdmDheGroups.Secp384r1)]).Encode();

        Assert.Equal(40, bytes.Length);
        Assert.Equal(40, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x04u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0x80u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(0x02u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal([0x02, 0x20, 0x10, 0x00], bytes[36..]);
    }

    [Fact]
    public void NegotiateAlgorithms_LengthFieldDisagrees_ThrowsNamingLength()
    {
        var bytes = new SpdmNegotiateAlgorithms(SpdmMeasurementSpecification.Dmtf, 0, SpdmBaseAsymAlgorithms.EcdsaP384, SpdmBaseHashAlgorithms.Sha384, []).Encode();
        bytes[4] = 33;

        var e = Assert.Throws<ProtocolFormatException>(() => SpdmNegotiateAlgorithms.Decode(bytes));
        Assert.Equal("SPDM.NEGOTIATE_ALGORITHMS.Length", e.Field);
    }

    [Fact]
    public void GetMeasurements_SignedRequest_Is37BytesWithNonceAndSlot()
    {
        var nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var bytes = new SpdmGetMeasurements(SpdmMeasurementRequestAttributes.GenerateSignature, 0xFF, nonce, 0).Encode();

        Assert.Equal(37, bytes.Length);
        Assert.Equal([0x12, 0xE0, 0x01, 0xFF], bytes[..4]);
        Assert.Equal(nonce, bytes[4..36]);
        Assert.Equal(0, bytes[36]);
    }

    [Fact]
    public void Measurements_Encode_WritesBlockAndRecordLengthAsTable42()
    {
        var digest = Enumerable.Repeat((byte)0xAB, 48).ToArray();
        var bytes = new SpdmMeasurements(0, 0, [new SpdmMeasurementBlock(1, 1, digest)], new byte[32], [], null).Encode();

        // NumberOfBlocks 1, MeasurementRecordLength 55 (u24), block: Index 1, Spec DMTF, Size 51, type 1, value size 48.
        Assert.Equal([0x01, 55, 0, 0], bytes[4..8]);
        Assert.Equal([0x01, 0x01, 51, 0x00, 0x01, 48, 0x00], bytes[8..15]);
        Assert.Equal(4 + 4 + 55 + 32 + 2, bytes.Length);
    }

    [Fact]
    public void KeyExchangeResponse_Offsets_CoverTheSignatureAndVerifyData()
    {
        var rsp = new SpdmKeyExchangeResponse(0, 1, 0, 0, new byte[32], new byte[96], new byte[48], new byte[12], new byte[96], new byte[48]);

        Assert.Equal(4 + 4 + 32 + 96 + 48 + 2 + 12, rsp.SignatureOffset);
        Assert.Equal(rsp.SignatureOffset + 96, rsp.VerifyDataOffset);
        Assert.Equal(rsp.VerifyDataOffset + 48, rsp.Encode().Length);
    }

    [Fact]
    public void PciSigEnvelope_Encode_IsStandardId3VendorId1ThenProtocolId()
    {
        var bytes = PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, [0xAA, 0xBB]);

        byte[] expected = [0x12, 0xFE, 0x00, 0x00, 0x03, 0x00, 0x02, 0x01, 0x00, 0x03, 0x00, 0x01, 0xAA, 0xBB];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void PciSigEnvelope_Unwrap_OtherStandard_ThrowsNamingStandardId()
    {
        var message = new SpdmVendorDefinedMessage(true, 0x0004, [1, 0], [0]);

        var e = Assert.Throws<ProtocolFormatException>(() => PciSigVendorDefined.Unwrap(message, out _));
        Assert.Equal("SPDM.VENDOR_DEFINED_REQUEST.StandardID", e.Field);
    }

    [Fact]
    public void SigningContext_Build_IsPrefixTimesFourThenZeroPadThenContext()
    {
        var hash = Enumerable.Repeat((byte)0x5A, 48).ToArray();

        var bytes = SpdmSigningContext.Build(SpdmSigningContext.KeyExchangeResponseContext, hash);

        var expected = new byte[148];
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("dmtf-spdm-v1.2.*", 4))).CopyTo(expected, 0);
        var context = Encoding.ASCII.GetBytes("responder-key_exchange_rsp signing");
        context.CopyTo(expected, 100 - context.Length);
        hash.CopyTo(expected, 100);
        Assert.Equal(expected, bytes);
        Assert.Equal(new byte[36 - context.Length], bytes[64..(100 - context.Length)]);
    }

    [Fact]
    public void DecodePadded_UpToThreeBytesToDwBoundary_ReturnsExactLength()
    {
        var message = new SpdmCertificate(0, [1, 2, 3, 4, 5], 0).Encode();
        byte[] padded = [.. message, 0, 0, 0];

        var decoded = SpdmMessage.DecodePadded(padded, SpdmCertificate.Name, SpdmCertificate.Read, out var length);

        Assert.Equal(13, length);
        Assert.Equal([1, 2, 3, 4, 5], decoded.Portion);
    }

    [Fact]
    public void DecodePadded_MoreThanDwPadding_Throws()
    {
        byte[] padded = [.. new SpdmGetDigests().Encode(), 0, 0, 0, 0];

        var e = Assert.Throws<ProtocolFormatException>(() => SpdmMessage.DecodePadded(padded, SpdmGetDigests.Name, SpdmGetDigests.Read, out _));
        Assert.Equal("SPDM.GET_DIGESTS.Length", e.Field);
    }

    [Fact]
    public void Decode_OtherCode_ThrowsNamingRequestResponseCode()
    {
        var e = Assert.Throws<ProtocolFormatException>(() => SpdmGetDigests.Decode([0x12, 0x82, 0, 0]));
        Assert.Equal("SPDM.GET_DIGESTS.RequestResponseCode", e.Field);
    }

    [Fact]
    public void CertificateChain_Decode_SplitsDerCertificatesByTheirLengths()
    {
        var root = new byte[48];
        byte[] a = CodecCases.Der(200, 1);
        byte[] b = CodecCases.Der(3, 2);
        var bytes = new SpdmCertificateChain(root, [a, b]).Encode();

        Assert.Equal(4 + 48 + 204 + 5, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
        var decoded = SpdmCertificateChain.Decode(bytes, 48);
        Assert.Equal(2, decoded.Certificates.Count);
        Assert.Equal(a, decoded.Certificates[0]);
        Assert.Equal(b, decoded.Leaf);
    }

    [Fact]
    public void CertificateChain_NotDerSequence_ThrowsNamingCertificates()
    {
        var bytes = new SpdmCertificateChain(new byte[48], [[0x31, 0x00]]).Encode();

        var e = Assert.Throws<ProtocolFormatException>(() => SpdmCertificateChain.Decode(bytes, 48));
        Assert.Equal("SPDM.CertChain.Certificates", e.Field);
    }

    [Fact]
    public void SecuredRecord_Decode_SplitsAadCiphertextAndMac()
    {
        var bytes = new byte[6 + 4 + 16 + 2];
        SecuredMessageRecord.WriteHeader(bytes, 0x11223344, 4);

        var record = SecuredMessageRecord.Decode(bytes, allowDoePadding: true);

        Assert.Equal([0x44, 0x33, 0x22, 0x11, 20, 0], record.AssociatedData.ToArray());
        Assert.Equal(0x11223344u, record.SessionId);
        Assert.Equal(4, record.CipherText.Length);
        Assert.Equal(16, record.Mac.Length);
        Assert.Throws<ProtocolFormatException>(() => SecuredMessageRecord.Decode(bytes, allowDoePadding: false));
    }

    [Fact]
    public void OpaqueData_SupportedVersion10_MatchesDsp0277Element()
    {
        var bytes = SecuredMessageOpaqueData.EncodeSupportedVersions([0x1000]);

        // TotalElements 1, 3 reserved; ID 0 (DMTF), VendorLen 0, data length 5; SMDataVersion 1, SMDataID 1,
        // VersionCount 1, version 0x1000 LE; 3 bytes of alignment padding.
        byte[] expected = [1, 0, 0, 0, 0, 0, 5, 0, 1, 1, 1, 0x00, 0x10, 0, 0, 0];
        Assert.Equal(expected, bytes);
    }
}
