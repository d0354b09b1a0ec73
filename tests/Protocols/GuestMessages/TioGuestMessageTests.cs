using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.GuestMessages;

public class TioGuestMessageTests
{
    private static readonly TioSpdmAlgorithms Algos = TioSpdmAlgorithms.Default;
    private const ulong AlgosRaw = 0x0000_0000_0102_0101;
    private const ulong TdiIdV2 = 0x1122_3344_5566_7788;

    /// <summary>
    /// Per message and version: a sample, the size typed in from the reference table (sev-tio-stack.md §2.3), the type
    /// number, the expected bytes built by hand from the seed/AMDESE struct layouts, and reserved byte ranges.
    /// </summary>
    private static readonly Dictionary<string, MessageCase> Cases = new()
    {
        ["TDI_INFO_REQ v1"] = Case(new TdiInfoRequest(0x0028), TioMessageVersion.V1, 16, 19, [(2, 14)], b => PutU16(b, 0, 0x0028)),
        ["TDI_INFO_REQ v2"] = Case(new TdiInfoRequest(TdiIdV2), TioMessageVersion.V2, 16, 19, [(8, 8)], b => PutU64(b, 0, TdiIdV2)),
        ["TDI_INFO_RSP v1"] = Case(InfoResponse(0x0028), TioMessageVersion.V1, 192, 20, [(4, 12), (184, 8)], b =>
        {
            PutU16(b, 0, 0x0028);
            PutU16(b, 2, 2); // status UNBOUND
            BuildInfoTail(b);
        }),
        ["TDI_INFO_RSP v2"] = Case(InfoResponse(TdiIdV2), TioMessageVersion.V2, 192, 20, [(10, 6), (184, 8)], b =>
        {
            PutU64(b, 0, TdiIdV2);
            PutU16(b, 8, 2);
            BuildInfoTail(b);
        }),
        ["MMIO_VALIDATE_REQ v1"] = Case(new MmioValidateRequest(0x0028, 0x0000_00E0_0010_0000, 16, 0, MmioValidateFlags.Validated, 2), TioMessageVersion.V1, 48, 21, [(2, 14), (36, 12)], b =>
        {
            PutU16(b, 0, 0x0028);
            BuildValidateTail(b, 1);
        }),
        ["MMIO_VALIDATE_REQ v2"] = Case(new MmioValidateRequest(TdiIdV2, 0x0000_00E0_0010_0000, 16, 0, MmioValidateFlags.Validated | MmioValidateFlags.ForceValidated, 2), TioMessageVersion.V2, 48, 21, [(8, 8), (36, 12)], b =>
        {
            PutU64(b, 0, TdiIdV2);
            BuildValidateTail(b, 3);
        }),
        ["MMIO_VALIDATE_RSP v1"] = Case(new MmioValidateResponse(0x0028, MmioValidateStatus.NotReported, 0x0000_00E0_0010_0000, 16, 0, true, 2), TioMessageVersion.V1, 48, 22, [(4, 12), (36, 12)], b =>
        {
            PutU16(b, 0, 0x0028);
            PutU16(b, 2, 8);
            BuildValidateTail(b, 1);
        }),
        ["MMIO_VALIDATE_RSP v2"] = Case(new MmioValidateResponse(TdiIdV2, MmioValidateStatus.Not4K, 0x0000_00E0_0010_0000, 16, 0, false, 2), TioMessageVersion.V2, 48, 22, [(10, 6), (36, 12)], b =>
        {
            PutU64(b, 0, TdiIdV2);
            PutU16(b, 8, 10);
            BuildValidateTail(b, 0);
        }),
        ["MMIO_CONFIG_REQ v1"] = Case(new MmioConfigRequest(0x0028, true, 4, true), TioMessageVersion.V1, 16, 23, [(2, 2), (12, 4)], b =>
        {
            PutU16(b, 0, 0x0028);
            PutU32(b, 4, 0x0004_0004); // range_id 4 in b31:16, is_non_tee_mem b2
            PutU32(b, 8, 1); // write
        }),
        ["MMIO_CONFIG_RSP v1"] = Case(new MmioConfigResponse(0x0028, 0x0007, MmioConfigAttributes.MsixTable | MmioConfigAttributes.MemoryAttributesUpdatable, 4, false), TioMessageVersion.V1, 16, 24, [(12, 4)], b =>
        {
            PutU16(b, 0, 0x0028);
            PutU16(b, 2, 7);
            PutU32(b, 4, 0x0004_0009);
        }),
        ["SDTE_WRITE_REQ v1"] = Case(new SdteWriteRequest(0x0028, SecureDeviceTableEntryImage.FromBytes(Sequence(64, 0x40))), TioMessageVersion.V1, 80, 25, [(2, 14)], b =>
        {
            PutU16(b, 0, 0x0028);
            Fill(b, 16, 64, 0x40);
        }),
        ["SDTE_WRITE_REQ v2"] = Case(new SdteWriteRequest(TdiIdV2, SecureDeviceTableEntryImage.FromBytes(Sequence(64, 0x40))), TioMessageVersion.V2, 80, 25, [(8, 8)], b =>
        {
            PutU64(b, 0, TdiIdV2);
            Fill(b, 16, 64, 0x40);
        }),
        ["SDTE_WRITE_RSP v1"] = Case(new SdteWriteResponse(0x0028, SdteWriteStatus.TdiNotBound), TioMessageVersion.V1, 16, 26, [(4, 12)], b =>
        {
            PutU16(b, 0, 0x0028);
            PutU16(b, 2, 2);
        }),
        ["SDTE_WRITE_RSP v2"] = Case(new SdteWriteResponse(TdiIdV2, SdteWriteStatus.Reserved), TioMessageVersion.V2, 16, 26, [(10, 6)], b =>
        {
            PutU64(b, 0, TdiIdV2);
            PutU16(b, 8, 3);
        }),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void SizeAndType_AreTheReferenceValues(string name)
    {
        var c = Cases[name];
        Assert.Equal(c.ExpectedSize, c.Size);
        Assert.Equal(c.ExpectedType, (byte)c.Type);
        Assert.Equal(c.ExpectedSize, TioGuestMessages.PayloadSizeOf(c.Type));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encode_MatchesHandBuiltLayout(string name)
    {
        var c = Cases[name];
        var expected = new byte[c.ExpectedSize];
        c.Build(expected);
        Assert.Equal(expected, c.Encode());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RoundTrip_IsIdentity(string name)
    {
        var c = Cases[name];
        var bytes = c.Encode();
        Assert.Equal(c.Sample, c.Decode(bytes));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_EveryTruncationAndATrailingByte_AreFormatErrors(string name)
    {
        var c = Cases[name];
        var bytes = c.Encode();
        EveryTruncationThrows(bytes, b => c.Decode(b.ToArray()));
        var longer = bytes.Append((byte)0).ToArray();
        Assert.Throws<ProtocolFormatException>(() => c.Decode(longer));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_EachReservedByteSet_IsFormatError(string name)
    {
        var c = Cases[name];
        foreach (var (offset, count) in c.Reserved)
        {
            for (var i = offset; i < offset + count; i++)
            {
                var bytes = c.Encode();
                bytes[i] = 0x80;
                Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
            }
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decode_Fuzz_OnlyFormatErrors(string name)
    {
        var c = Cases[name];
        FuzzOnlyFormatErrorsEscape(500 + c.ExpectedType + (10 * (int)c.Version), 2000, c.Encode(), c.ExpectedSize + 16, b => c.Decode(b.ToArray()));
    }

    [Theory]
    [InlineData(3, (ushort)3, "status")] // TDI_INFO status 0..2
    [InlineData(22, (ushort)11, "status")]
    [InlineData(26, (ushort)4, "status")]
    public void Decode_UnknownStatus_IsFormatError(int type, ushort status, string field)
    {
        var c = Cases[type switch { 3 => "TDI_INFO_RSP v1", 22 => "MMIO_VALIDATE_RSP v1", _ => "SDTE_WRITE_RSP v1" }];
        var bytes = c.Encode();
        PutU16(bytes, 2, status);
        var ex = Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
        Assert.EndsWith(field, ex.Field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TDI_INFO_RSP v1", 16, 0x04u)] // measurement flags b2
    [InlineData("TDI_INFO_RSP v1", 20, 0x20u)] // lock flags b5
    [InlineData("MMIO_VALIDATE_REQ v1", 32, 0x04u)] // flags b2
    [InlineData("MMIO_VALIDATE_RSP v1", 32, 0x02u)] // flags b1
    [InlineData("MMIO_CONFIG_REQ v1", 4, 0x01u)] // b0 reserved in a request
    [InlineData("MMIO_CONFIG_REQ v1", 8, 0x02u)] // write b1
    [InlineData("MMIO_CONFIG_RSP v1", 4, 0x10u)] // b4 reserved
    public void Decode_ReservedBit_IsFormatError(string name, int offset, uint bit)
    {
        var c = Cases[name];
        var bytes = c.Encode();
        bytes[offset] |= (byte)bit;
        Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
    }

    [Fact]
    public void EncodeV1_IdWiderThan16Bits_IsArgumentError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TdiInfoRequest(0x1_0000).Encode(new byte[16], TioMessageVersion.V1));

    [Fact]
    public void MmioConfig_Version2_HasNoLayout()
    {
        var bytes = Cases["MMIO_CONFIG_REQ v1"].Encode();
        Rejects(bytes, b => MmioConfigRequest.Decode(b, TioMessageVersion.V2), "msg_version");
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmioConfigResponse(1, 0, 0, 0, false).Encode(new byte[16], TioMessageVersion.V2));
    }

    [Fact]
    public void Decode_UnknownVersion_IsFormatError() =>
        Rejects(new byte[16], b => TdiInfoRequest.Decode(b, (TioMessageVersion)3), "msg_version");

    [Theory]
    [InlineData(MmioValidateStatus.Success, 0)]
    [InlineData(MmioValidateStatus.InvalidTdi, 1)]
    [InlineData(MmioValidateStatus.TdiUnbound, 2)]
    [InlineData(MmioValidateStatus.NotAssigned, 3)]
    [InlineData(MmioValidateStatus.NotIo, 4)]
    [InlineData(MmioValidateStatus.NotUniform, 5)]
    [InlineData(MmioValidateStatus.NotImmutable, 6)]
    [InlineData(MmioValidateStatus.NotMapped, 7)]
    [InlineData(MmioValidateStatus.NotReported, 8)]
    [InlineData(MmioValidateStatus.OutOfRange, 9)]
    [InlineData(MmioValidateStatus.Not4K, 10)]
    public void MmioValidateStatus_IsThePspSevValue(MmioValidateStatus status, int expected) => Assert.Equal(expected, (int)status);

    [Fact]
    public void SdteWriteStatus_AreThePspSevValues()
    {
        Assert.Equal(0, (int)SdteWriteStatus.Success);
        Assert.Equal(1, (int)SdteWriteStatus.InvalidTdi);
        Assert.Equal(2, (int)SdteWriteStatus.TdiNotBound);
        Assert.Equal(3, (int)SdteWriteStatus.Reserved);
    }

    [Fact]
    public void TdiInfoResponse_CacheLineSizeFollowsLockFlagBit1()
    {
        Assert.Equal(64, InfoResponse(1).CacheLineSize);
        Assert.Equal(128, (InfoResponse(1) with { LockFlags = TdispLockFlags.CacheLineSize128 }).CacheLineSize);
    }

    [Fact]
    public void ResponseTypeOf_IsRequestPlusOne()
    {
        Assert.Equal(SnpGuestMessageType.TioSdteWriteResponse, TioGuestMessages.ResponseTypeOf(SnpGuestMessageType.TioSdteWriteRequest));
        Assert.True(TioGuestMessages.IsTioRequest(SnpGuestMessageType.TioMmioConfigRequest));
        Assert.False(TioGuestMessages.IsTioRequest(SnpGuestMessageType.TioMmioConfigResponse));
        Assert.Equal(0, TioGuestMessages.PayloadSizeOf(SnpGuestMessageType.ReportRequest));
    }

    private static TdiInfoResponse InfoResponse(ulong id) => new(
        id, TdiBindStatus.Unbound, TioMeasurementFlags.DigestValid, TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.LockMsix, Algos,
        Sha384Digest.FromBytes(Sequence(48, 0x01)), Sha384Digest.FromBytes(Sequence(48, 0x41)), Sha384Digest.FromBytes(Sequence(48, 0x81)), 0x0A0B);

    private static void BuildInfoTail(byte[] b)
    {
        PutU32(b, 16, 1); // meas_digest_valid
        PutU32(b, 20, 0b101); // no_fw_update, lock_msix
        PutU64(b, 24, AlgosRaw);
        Fill(b, 32, 48, 0x01);
        Fill(b, 80, 48, 0x41);
        Fill(b, 128, 48, 0x81);
        PutU64(b, 176, 0x0A0B);
    }

    private static void BuildValidateTail(byte[] b, ushort flags)
    {
        PutU64(b, 16, 0x0000_00E0_0010_0000); // subrange_base
        PutU32(b, 24, 16); // subrange_page_count
        PutU32(b, 28, 0); // range_offset
        PutU16(b, 32, flags);
        PutU16(b, 34, 2); // range_id
    }

    private static MessageCase Case<T>(T sample, TioMessageVersion version, int expectedSize, byte expectedType, (int Offset, int Count)[] reserved, Action<byte[]> build)
        where T : struct, ITioGuestMessage<T> =>
        new(
            sample,
            version,
            T.MessageType,
            T.EncodedSize,
            expectedSize,
            expectedType,
            reserved,
            build,
            () =>
            {
                var bytes = new byte[T.EncodedSize];
                Assert.Equal(T.EncodedSize, sample.Encode(bytes, version));
                return bytes;
            },
            bytes => T.Decode(bytes, version));

    private sealed record MessageCase(
        object Sample,
        TioMessageVersion Version,
        SnpGuestMessageType Type,
        int Size,
        int ExpectedSize,
        byte ExpectedType,
        (int Offset, int Count)[] Reserved,
        Action<byte[]> Build,
        Func<byte[]> Encode,
        Func<byte[], object> Decode);
}
