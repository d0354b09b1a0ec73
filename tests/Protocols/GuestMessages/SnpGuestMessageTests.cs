using System.Security.Cryptography;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.GuestMessages;

public class SnpGuestMessageTests
{
    private static readonly SnpGuestMessageHeader Sample = new(
        AesGcmTag.FromBytes(Sequence(16, 0xA0)), 0x0000_0001_0000_0003, SnpAeadAlgorithm.Aes256Gcm, 1,
        SnpGuestMessageType.TioMmioValidateRequest, 1, 48, 2);

    [Fact]
    public void Header_Is96Bytes_AndEncodesAtLinuxOffsets()
    {
        // arch/x86/include/asm/sev.h struct snp_guest_msg_hdr.
        var expected = new byte[96];
        Fill(expected, 0, 16, 0xA0); // authtag[0..16]; authtag[16..32] zero
        PutU64(expected, 32, 0x0000_0001_0000_0003); // msg_seqno
        expected[48] = 1; // algo AES-256-GCM
        expected[49] = 1; // hdr_version
        PutU16(expected, 50, 96); // hdr_sz
        expected[52] = 21; // msg_type TIO_MSG_MMIO_VALIDATE_REQ
        expected[53] = 1; // msg_version
        PutU16(expected, 54, 48); // msg_sz
        expected[60] = 2; // msg_vmpck

        var actual = new byte[96];
        Assert.Equal(96, Sample.Encode(actual));
        Assert.Equal(expected, actual);
        Assert.Equal(Sample, SnpGuestMessageHeader.Decode(expected));
    }

    [Fact]
    public void AssociatedData_IsTheLast48HeaderBytesFromAlgo()
    {
        Assert.Equal(48, SnpGuestMessageHeader.AssociatedDataOffset);
        Assert.Equal(48, SnpGuestMessageHeader.AssociatedDataLength);
        var page = new byte[4096];
        SnpGuestMessage.Write(page, Sample, new byte[48]);
        Assert.Equal(page.AsSpan(48, 48).ToArray(), SnpGuestMessage.AssociatedDataOf(page).ToArray());
        Assert.Equal(page.AsSpan(48, 48).ToArray(), SnpGuestMessage.Read(page).AssociatedData.ToArray());
    }

    [Fact]
    public void FormIv_IsLittleEndianSeqnoThenFourZeroBytes()
    {
        var iv = new byte[12];
        iv.AsSpan().Fill(0xEE);
        SnpGuestMessageHeader.FormIv(0x0102_0304_0506_0708, iv);
        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0 }, iv);
    }

    [Fact]
    public void SealAndOpen_WithPlatformAesGcm_AsLinuxEncPayload()
    {
        var key = Sequence(32, 0x11);
        var plaintext = Sequence(48, 0x50);
        var page = new byte[4096];
        var header = SnpGuestMessageHeader.Create(SnpGuestMessageType.TioMmioValidateRequest, 1, 5, 48, 0);

        // Seal the way the guest will: header first (tag zero), then encrypt into the page with the layout's slices.
        SnpGuestMessage.WriteUnsealed(page, header, plaintext.Length);
        var iv = new byte[12];
        SnpGuestMessageHeader.FormIv(5, iv);
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Encrypt(iv, plaintext, SnpGuestMessage.CiphertextOf(page, 48), SnpGuestMessage.AuthTagOf(page), SnpGuestMessage.AssociatedDataOf(page));
        }

        // Open independently: IV and AAD built here from the Linux description, not from the helpers.
        var view = SnpGuestMessage.Read(page);
        byte[] expectedIv = [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var opened = new byte[48];
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Decrypt(expectedIv, view.Ciphertext, page.AsSpan(0, 16), opened, page.AsSpan(48, 48));
        }

        Assert.Equal(plaintext, opened);
        Assert.Equal(page.AsSpan(0, 16).ToArray(), view.Header.AuthTag.ToArray());

        // A flipped associated-data byte (msg_type) or sequence number (bound through the IV) fails authentication.
        AssertTamperFails(page, key, 52);
        AssertTamperFails(page, key, 32);
    }

    [Fact]
    public void IsResponseTo_FollowsVerifyAndDecPayload()
    {
        var request = SnpGuestMessageHeader.Create(SnpGuestMessageType.TioTdiInfoRequest, 1, 7, 16, 0);
        var response = SnpGuestMessageHeader.Create(SnpGuestMessageType.TioTdiInfoResponse, 1, 8, 192, 0);
        Assert.True(response.IsResponseTo(request));
        Assert.False((response with { SequenceNumber = 9 }).IsResponseTo(request));
        Assert.False((response with { MessageType = SnpGuestMessageType.TioMmioValidateResponse }).IsResponseTo(request));
        Assert.False((response with { MessageVersion = 2 }).IsResponseTo(request));
    }

    [Fact]
    public void Sequence_GuestUsesOddRequestsAndPspAnswersPlusOne()
    {
        Assert.Equal(1ul, SnpMessageSequence.RequestSequenceNumber(0));
        Assert.Equal(2ul, SnpMessageSequence.ResponseSequenceNumber(1));
        Assert.Equal(2u, SnpMessageSequence.Advance(0));
        Assert.Equal(3ul, SnpMessageSequence.RequestSequenceNumber(SnpMessageSequence.Advance(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnpMessageSequence.RequestSequenceNumber(uint.MaxValue - 1));
    }

    [Fact]
    public void Page_MaxPayloadIs4000()
    {
        Assert.Equal(4096, SnpGuestMessage.PageSize);
        Assert.Equal(4000, SnpGuestMessage.MaxPayloadSize);
        Assert.Equal(192 + 16, SnpGuestMessage.GuestResponseBufferSize(192));
    }

    [Fact]
    public void Read_PayloadLargerThanPage_IsFormatError()
    {
        var page = new byte[4096];
        SnpGuestMessage.Write(page, Sample, new byte[48]);
        PutU16(page, 54, 4001);
        Rejects(page, b => SnpGuestMessage.Read(b), "msg_sz");
    }

    [Fact]
    public void Read_TruncatedCiphertext_IsFormatError()
    {
        var page = new byte[4096];
        SnpGuestMessage.Write(page, Sample, Sequence(48, 1));
        EveryTruncationThrows(page.AsSpan(0, 96 + 48).ToArray(), b => SnpGuestMessage.Read(b));
    }

    [Fact]
    public void Write_ZeroesTheRestOfThePage()
    {
        var page = new byte[4096];
        page.AsSpan().Fill(0xCC);
        SnpGuestMessage.Write(page, Sample, Sequence(48, 1));
        Assert.True(page.AsSpan(96 + 48).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Write_SizeDisagreeingWithHeader_IsArgumentError() =>
        Assert.Throws<ArgumentException>(() => SnpGuestMessage.Write(new byte[4096], Sample, new byte[47]));

    [Theory]
    [InlineData(16, "authtag[16..32]")]
    [InlineData(31, "authtag[16..32]")]
    [InlineData(40, "rsvd1")]
    [InlineData(56, "rsvd2")]
    [InlineData(61, "rsvd3")]
    [InlineData(95, "rsvd3")]
    public void Header_ReservedByteSet_IsFormatError(int offset, string field)
    {
        var bytes = new byte[96];
        Sample.Encode(bytes);
        bytes[offset] = 1;
        Rejects(bytes, b => SnpGuestMessageHeader.Decode(b), field);
    }

    [Theory]
    [InlineData(48, 0, "algo")]
    [InlineData(48, 2, "algo")]
    [InlineData(49, 2, "hdr_version")]
    [InlineData(50, 64, "hdr_sz")]
    [InlineData(60, 4, "msg_vmpck")]
    public void Header_BadFixedField_IsFormatError(int offset, byte value, string field)
    {
        var bytes = new byte[96];
        Sample.Encode(bytes);
        bytes[offset] = value;
        Rejects(bytes, b => SnpGuestMessageHeader.Decode(b), field);
    }

    [Fact]
    public void Header_EveryTruncation_IsFormatError()
    {
        var bytes = new byte[96];
        Sample.Encode(bytes);
        EveryTruncationThrows(bytes, b => SnpGuestMessageHeader.Decode(b));
    }

    [Fact]
    public void MessageTypes_AreTheSevHValues()
    {
        Assert.Equal(19, (int)SnpGuestMessageType.TioTdiInfoRequest);
        Assert.Equal(20, (int)SnpGuestMessageType.TioTdiInfoResponse);
        Assert.Equal(21, (int)SnpGuestMessageType.TioMmioValidateRequest);
        Assert.Equal(22, (int)SnpGuestMessageType.TioMmioValidateResponse);
        Assert.Equal(23, (int)SnpGuestMessageType.TioMmioConfigRequest);
        Assert.Equal(24, (int)SnpGuestMessageType.TioMmioConfigResponse);
        Assert.Equal(25, (int)SnpGuestMessageType.TioSdteWriteRequest);
        Assert.Equal(26, (int)SnpGuestMessageType.TioSdteWriteResponse);
        Assert.Equal(5, (int)SnpGuestMessageType.ReportRequest);
    }

    [Fact]
    public void Read_Fuzz_OnlyFormatErrors()
    {
        var page = new byte[96 + 48];
        SnpGuestMessage.Write(page, Sample, Sequence(48, 1));
        FuzzOnlyFormatErrorsEscape(401, 3000, page, 200, b => SnpGuestMessage.Read(b));
        FuzzOnlyFormatErrorsEscape(402, 2000, page.AsSpan(0, 96).ToArray(), 120, b => SnpGuestMessageHeader.Decode(b));
    }

    private static void AssertTamperFails(byte[] sealedPage, byte[] key, int offset)
    {
        var page = (byte[])sealedPage.Clone();
        page[offset] ^= 0x01;
        var header = SnpGuestMessageHeader.Decode(page);
        var iv = new byte[12];
        SnpGuestMessageHeader.FormIv(header.SequenceNumber, iv);
        var view = SnpGuestMessage.Read(page);
        var ciphertext = view.Ciphertext.ToArray();
        var tag = view.AuthTag.ToArray();
        var aad = view.AssociatedData.ToArray();
        using var gcm = new AesGcm(key, 16);
        var ex = Record.Exception(() => gcm.Decrypt(iv, ciphertext, tag, new byte[ciphertext.Length], aad));
        Assert.IsAssignableFrom<CryptographicException>(ex);
    }
}
