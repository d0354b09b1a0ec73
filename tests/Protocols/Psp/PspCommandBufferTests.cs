using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Psp;

public class PspCommandBufferTests
{
    // Distinctive field values, so a field written at the wrong offset shows up in the hand-built comparisons.
    private static readonly ScatterListAddress DevCtx = ScatterListAddress.Data(0x1_1111);
    private static readonly ScatterListAddress TdiCtx = ScatterListAddress.Data(0x2_2222);
    private static readonly SpdmControl Spdm = new(ScatterListAddress.Scatter(0x3_3331), ScatterListAddress.Data(0x3_3332), ScatterListAddress.Scatter(0x3_3333), ScatterListAddress.Scatter(0x3_3334));
    private const ulong Gctx = 0x0000_00AB_CDEF_1000;
    private const ulong StatusPa = 0x0000_0012_3456_7000;
    private static readonly TdispInterfaceId Iid = TdispInterfaceId.Create(0x0310, 0x05);

    /// <summary>
    /// Per command: a sample, the size and id typed in from the reference table (sev-tio-stack.md §2.1, checked against
    /// Linux psp-sev.h / sev-dev-tio.c), the expected bytes built by hand from the Linux struct layout, and the
    /// reserved byte ranges of that layout.
    /// </summary>
    private static readonly Dictionary<string, CommandCase> Cases = new()
    {
        ["TIO_STATUS"] = Case(new TioStatusCommand(StatusPa), 16, 0xD0, [(4, 4)], b => PutU64(b, 8, StatusPa)),
        ["TIO_INIT"] = Case(default(TioInitCommand), 16, 0xD1, [(4, 12)], _ => { }),
        ["TIO_DEV_CREATE"] = Case(new TioDevCreateCommand(DevCtx, 0x0310, 0x0008, 0x02), 32, 0xD2, [(4, 4), (21, 11)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU16(b, 16, 0x0310);
            PutU16(b, 18, 0x0008);
            b[20] = 0x02;
        }),
        ["TIO_DEV_RECLAIM"] = Case(new TioDevReclaimCommand(DevCtx), 16, 0xD3, [(4, 4)], b => PutU64(b, 8, DevCtx.Value)),
        ["TIO_DEV_CONNECT"] = Case(new TioDevConnectCommand(Spdm, DevCtx, 0x01, 0x02, IdeStreamIds.FromBytes([0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7])), 80, 0xD4, [(4, 4), (40, 8), (58, 6), (72, 8)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 48, DevCtx.Value);
            b[56] = 0x01;
            b[57] = 0x02;
            byte[] ids = [0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7];
            ids.CopyTo(b, 64);
        }),
        ["TIO_DEV_DISCONNECT"] = Case(new TioDevDisconnectCommand(TioDevDisconnectFlags.Force, Spdm, DevCtx), 48, 0xD5, [], b =>
        {
            PutU32(b, 4, 1);
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
        }),
        ["TIO_DEV_STATUS"] = Case(new TioDevStatusCommand(DevCtx, StatusPa), 32, 0xD6, [(4, 4), (24, 8)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU64(b, 16, StatusPa);
        }),
        ["TIO_DEV_MEASUREMENTS"] = Case(new TioDevMeasurementsCommand(TioDevMeasurementsFlags.RawBitstream, Spdm, DevCtx, MeasurementNonce.FromBytes(Sequence(32, 0xC0))), 80, 0xD7, [], b =>
        {
            PutU32(b, 4, 1);
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            Fill(b, 48, 32, 0xC0);
        }),
        ["TIO_DEV_CERTIFICATES"] = Case(new TioDevCertificatesCommand(Spdm, DevCtx), 48, 0xD8, [(4, 4)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
        }),
        ["TIO_TDI_CREATE"] = Case(new TioTdiCreateCommand(DevCtx, TdiCtx, Iid), 48, 0xDA, [(4, 4), (28, 8), (36, 12)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU64(b, 16, TdiCtx.Value);
            PutU32(b, 24, 0x0105_0310); // RID 0x0310, RSEG 5, RSEG_VALID
        }),
        ["TIO_TDI_RECLAIM"] = Case(new TioTdiReclaimCommand(DevCtx, TdiCtx), 32, 0xDB, [(4, 4), (24, 8)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU64(b, 16, TdiCtx.Value);
        }),
        ["TIO_TDI_BIND"] = Case(new TioTdiBindCommand(Spdm, DevCtx, TdiCtx, Gctx, 0x0028, TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.LockMsix | TdispLockFlags.AllRequestRedirect, TioTdiRunFlags.RunForce), 80, 0xDC, [(4, 4), (70, 10)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            PutU64(b, 48, TdiCtx.Value);
            PutU64(b, 56, Gctx);
            PutU16(b, 64, 0x0028);
            PutU16(b, 66, 0b1_0101);
            PutU16(b, 68, 1);
        }),
        ["TIO_TDI_UNBIND"] = Case(new TioTdiUnbindCommand(TioTdiUnbindFlags.Force, Spdm, DevCtx, TdiCtx, Gctx), 64, 0xDD, [], b =>
        {
            PutU32(b, 4, 1);
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            PutU64(b, 48, TdiCtx.Value);
            PutU64(b, 56, Gctx);
        }),
        ["TIO_TDI_REPORT"] = Case(new TioTdiReportCommand(Spdm, DevCtx, TdiCtx, Gctx), 64, 0xDE, [(4, 4)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            PutU64(b, 48, TdiCtx.Value);
            PutU64(b, 56, Gctx);
        }),
        ["TIO_TDI_STATUS"] = Case(new TioTdiStatusCommand(Spdm, DevCtx, TdiCtx, StatusPa), 64, 0xDF, [(4, 4)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            PutU64(b, 48, TdiCtx.Value);
            PutU64(b, 56, StatusPa);
        }),
        ["TIO_GUEST_REQUEST"] = Case(new TioGuestRequestCommand(Spdm, DevCtx, TdiCtx, Gctx, 0x7000_1000, 0x7000_2000), 80, 0xE0, [(4, 4)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
            PutU64(b, 48, TdiCtx.Value);
            PutU64(b, 56, Gctx);
            PutU64(b, 64, 0x7000_1000);
            PutU64(b, 72, 0x7000_2000);
        }),
        ["TIO_ASID_FENCE_CLEAR"] = Case(new TioAsidFenceClearCommand(DevCtx, Gctx), 32, 0xE1, [(4, 4), (24, 8)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU64(b, 16, Gctx);
        }),
        ["TIO_ASID_FENCE_STATUS"] = Case(new TioAsidFenceStatusCommand(DevCtx, 0x1F, StatusPa), 32, 0xE2, [(4, 4), (28, 4)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU32(b, 16, 0x1F);
            PutU64(b, 20, StatusPa); // packed: status_pa right after the u32 asid
        }),
        ["TIO_TDI_INFO"] = Case(new TioTdiInfoCommand(DevCtx, TdiCtx, StatusPa), 48, 0xE3, [(4, 4), (32, 16)], b =>
        {
            PutU64(b, 8, DevCtx.Value);
            PutU64(b, 16, TdiCtx.Value);
            PutU64(b, 24, StatusPa);
        }),
        ["TIO_ROLL_KEY"] = Case(new TioRollKeyCommand(Spdm, DevCtx), 48, 0xE4, [(4, 4)], b =>
        {
            PutSpdm(b, 8);
            PutU64(b, 40, DevCtx.Value);
        }),
    };

    public static TheoryData<string> CommandNames => new(Cases.Keys);

    [Fact]
    public void Cases_CoverEveryCommandId() =>
        Assert.Equal(Enum.GetValues<PspCommandId>().Order(), Cases.Values.Select(c => c.Id).Order());

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Size_IsTheReferenceSize(string name)
    {
        var c = Cases[name];
        Assert.Equal(c.ExpectedSize, c.Size);
        Assert.Equal(c.ExpectedSize, PspCommandBuffer.SizeOf(c.Id));
        Assert.Equal(c.ExpectedId, (uint)c.Id);
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Encode_MatchesHandBuiltLinuxLayout(string name)
    {
        var c = Cases[name];
        var expected = new byte[c.ExpectedSize];
        PutU32(expected, 0, (uint)c.ExpectedSize); // every buffer starts with its own length
        c.Build(expected);
        Assert.Equal(expected, c.Encode());
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void RoundTrip_DecodeOfEncode_IsIdentity(string name)
    {
        var c = Cases[name];
        var bytes = c.Encode();
        Assert.Equal(c.Sample, c.Decode(bytes));
        Assert.Equal(bytes, c.Reencode(bytes));
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Decode_EveryTruncation_IsFormatError(string name)
    {
        var c = Cases[name];
        EveryTruncationThrows(c.Encode(), b => c.Decode(b.ToArray()));
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Decode_WrongLengthField_IsFormatErrorOnLength(string name)
    {
        var c = Cases[name];
        foreach (var wrong in new[] { 0u, (uint)c.ExpectedSize - 8, (uint)c.ExpectedSize + 8, 128u })
        {
            var bytes = c.Encode();
            Array.Resize(ref bytes, 160);
            PutU32(bytes, 0, wrong);
            var ex = Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
            Assert.EndsWith(".length", ex.Field, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Decode_EachReservedByteSet_IsFormatError(string name)
    {
        var c = Cases[name];
        foreach (var (offset, count) in c.Reserved)
        {
            for (var i = offset; i < offset + count; i++)
            {
                var bytes = c.Encode();
                bytes[i] = 0x01;
                Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
            }
        }
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Decode_FromSavedCommandImage_ReadsOnlyLengthBytes(string name)
    {
        var c = Cases[name];
        var image = new byte[PspCommandBuffer.SavedCommandLength];
        PspCommandBuffer.SaveCommand(c.Encode(), image);
        Assert.All(image.Skip(c.ExpectedSize), b => Assert.Equal(0xFF, b));
        Assert.Equal(c.Sample, c.Decode(image));
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Decode_Fuzz_OnlyFormatErrors(string name)
    {
        var c = Cases[name];
        FuzzOnlyFormatErrorsEscape(1000 + (int)c.Id, 2000, c.Encode(), 96, b => c.Decode(b.ToArray()));
    }

    [Fact]
    public void Decode_SlaFieldWithReservedBit_NamesTheField()
    {
        var c = Cases["TIO_TDI_BIND"];
        var bytes = c.Encode();
        PutU64(bytes, 48, TdiCtx.Value | (1ul << 62));
        var ex = Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
        Assert.Equal("PSP.TIO_TDI_BIND.tdi_ctx_sla", ex.Field);
    }

    [Fact]
    public void Decode_SpdmControlEol_NamesTheBuffer()
    {
        var c = Cases["TIO_DEV_CONNECT"];
        var bytes = c.Encode();
        PutU64(bytes, 8 + 24, ScatterListAddress.EndOfList.Value);
        var ex = Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
        Assert.Equal("PSP.TIO_DEV_CONNECT.spdm_ctrl.output", ex.Field);
    }

    [Theory]
    [InlineData("TIO_TDI_BIND", 66, 0x0020)] // lock flags b5
    [InlineData("TIO_TDI_BIND", 68, 0x0002)] // run_flags b1
    [InlineData("TIO_DEV_DISCONNECT", 4, 0x0002)]
    [InlineData("TIO_DEV_MEASUREMENTS", 4, 0x8000)]
    [InlineData("TIO_TDI_UNBIND", 4, 0x0100)]
    public void Decode_ReservedFlagBit_IsFormatError(string name, int offset, ushort bits)
    {
        var c = Cases[name];
        var bytes = c.Encode();
        PutU16(bytes, offset, (ushort)(BitConverter.ToUInt16(bytes, offset) | bits));
        Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
    }

    [Fact]
    public void Decode_InterfaceIdReservedFunctionIdBit_IsFormatError()
    {
        var c = Cases["TIO_TDI_CREATE"];
        var bytes = c.Encode();
        bytes[27] |= 0x02; // FUNCTION_ID bit 25 (bits 31:25 reserved)
        var ex = Assert.Throws<ProtocolFormatException>(() => c.Decode(bytes));
        Assert.Equal("PSP.TIO_TDI_CREATE.interface_id.function_id", ex.Field);
    }

    [Fact]
    public void UsesSpdm_MatchesCommandsWithSpdmControl()
    {
        PspCommandId[] expected =
        [
            PspCommandId.TioDevConnect, PspCommandId.TioDevDisconnect, PspCommandId.TioDevMeasurements, PspCommandId.TioDevCertificates,
            PspCommandId.TioTdiBind, PspCommandId.TioTdiUnbind, PspCommandId.TioTdiReport, PspCommandId.TioTdiStatus,
            PspCommandId.TioGuestRequest, PspCommandId.TioRollKey,
        ];
        Assert.Equal(expected.Order(), Enum.GetValues<PspCommandId>().Where(PspCommandBuffer.UsesSpdm).Order());
    }

    [Fact]
    public void SizeOf_NonTioCommand_IsZero()
    {
        Assert.Equal(0, PspCommandBuffer.SizeOf((PspCommandId)0xD9));
        Assert.Equal(0, PspCommandBuffer.SizeOf((PspCommandId)0x94));
    }

    [Fact]
    public void SaveCommand_LengthFieldDisagreeing_IsRefused()
    {
        var bytes = Cases["TIO_STATUS"].Encode();
        PutU32(bytes, 0, 17);
        Assert.Throws<ArgumentException>(() => PspCommandBuffer.SaveCommand(bytes, new byte[128]));
    }

    [Fact]
    public void ReadLength_ReadsTheFirstU32()
    {
        Assert.Equal(80u, PspCommandBuffer.ReadLength(Cases["TIO_TDI_BIND"].Encode()));
        Assert.Throws<ProtocolFormatException>(() => PspCommandBuffer.ReadLength(new byte[3]));
    }

    private static void PutSpdm(byte[] b, int offset)
    {
        PutU64(b, offset, Spdm.Request.Value);
        PutU64(b, offset + 8, Spdm.Response.Value);
        PutU64(b, offset + 16, Spdm.Scratch.Value);
        PutU64(b, offset + 24, Spdm.Output.Value);
    }

    private static CommandCase Case<T>(T sample, int expectedSize, uint expectedId, (int Offset, int Count)[] reserved, Action<byte[]> build)
        where T : struct, IPspCommandBuffer<T> =>
        new(
            sample,
            T.CommandId,
            T.EncodedSize,
            expectedSize,
            expectedId,
            reserved,
            build,
            () =>
            {
                var bytes = new byte[T.EncodedSize];
                Assert.Equal(T.EncodedSize, sample.Encode(bytes));
                return bytes;
            },
            bytes => T.Decode(bytes),
            bytes =>
            {
                var again = new byte[T.EncodedSize];
                T.Decode(bytes).Encode(again);
                return again;
            });

    private sealed record CommandCase(
        object Sample,
        PspCommandId Id,
        int Size,
        int ExpectedSize,
        uint ExpectedId,
        (int Offset, int Count)[] Reserved,
        Action<byte[]> Build,
        Func<byte[]> Encode,
        Func<byte[], object> Decode,
        Func<byte[], byte[]> Reencode);
}
