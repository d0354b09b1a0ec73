using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Ghcb;

public class GhcbTests
{
    [Theory]
    [InlineData(VmgExitCode.PageStateChange, 0x8000_0010ul)]
    [InlineData(VmgExitCode.SnpGuestRequest, 0x8000_0011ul)]
    [InlineData(VmgExitCode.SnpExtendedGuestRequest, 0x8000_0012ul)]
    [InlineData(VmgExitCode.SevTioGuestRequest, 0x8000_0020ul)]
    [InlineData(VmgExitCode.SevTioOp, 0x8000_0021ul)]
    [InlineData(VmgExitCode.HypervisorFeatures, 0x8000_FFFDul)]
    public void ExitCodes_AreTheSvmHValues(VmgExitCode code, ulong expected) => Assert.Equal(expected, (ulong)code);

    [Fact]
    public void HypervisorFeature_SevTioIsBit7() => Assert.Equal(0x80ul, (ulong)GhcbHypervisorFeatures.SnpSevTio);

    [Theory]
    [InlineData(TioOpAction.Bind, 0u)]
    [InlineData(TioOpAction.Unbind, 1u)]
    [InlineData(TioOpAction.Run, 2u)]
    [InlineData(TioOpAction.Stop, 3u)]
    public void TioOpExitInfo1_IsActionShl32OrGuestRid(TioOpAction action, uint value)
    {
        var info = new TioOpExitInfo(0x0001_0028, action);
        Assert.Equal(((ulong)value << 32) | 0x0001_0028, info.ToExitInfo1());
        Assert.Equal(info, TioOpExitInfo.FromExitInfo1(info.ToExitInfo1()));
    }

    [Fact]
    public void TioOpExitInfo1_UnknownAction_IsFormatError()
    {
        var ex = Assert.Throws<ProtocolFormatException>(() => TioOpExitInfo.FromExitInfo1((4ul << 32) | 0x28));
        Assert.EndsWith("action", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void GuestRequestResult_LowHalfPspHighHalfVmm()
    {
        // SNP_GUEST_VMM_ERR(x) = x << 32; PSP status in bits 31:0.
        Assert.Equal(1ul << 32, new GuestRequestResult(0, VmmError.InvalidLength).ToExitInfo2());
        Assert.Equal(2ul << 32, new GuestRequestResult(0, VmmError.Busy).ToExitInfo2());
        Assert.Equal(0x32ul, new GuestRequestResult(0x32, VmmError.None).ToExitInfo2());
        Assert.Equal(new GuestRequestResult(0x3C, VmmError.Busy), GuestRequestResult.FromExitInfo2((2ul << 32) | 0x3C));
        Assert.True(GuestRequestResult.FromExitInfo2(0).IsSuccess);
    }

    [Fact]
    public void TdiInfoParam_SeedBits()
    {
        Assert.Equal(1ul, (ulong)TioGuestRequestParam.State);
        Assert.Equal(8ul, (ulong)TioGuestRequestParam.Report);
    }

    [Fact]
    public void MmioRangeDescriptor_MatchesMmioMkValidate()
    {
        // MMIO_MK_VALIDATE(start, size, range_id, private) = GPA(start) | get_order(size) << 4 | private << 3 | range_id.
        var d = MmioRangeDescriptor.FromRange(0x0000_00E0_0010_0000, 64 * 1024, 2, isPrivate: true);
        Assert.Equal(0x0000_00E0_0010_0000ul | (4ul << 4) | 8 | 2, d.ToRdx());
        Assert.Equal(65536ul, d.Length);
        Assert.Equal(d, MmioRangeDescriptor.FromRdx(d.ToRdx()));
    }

    [Theory]
    [InlineData(4096ul, 0)]
    [InlineData(8192ul, 1)]
    [InlineData(12288ul, 2)] // get_order rounds up to a power of two
    [InlineData(1ul << 30, 18)]
    public void MmioRangeDescriptor_OrderIsGetOrder(ulong size, int order) =>
        Assert.Equal(order, MmioRangeDescriptor.FromRange(0x1000, size, 0, false).Order);

    [Theory]
    [InlineData(1ul << 52)]
    [InlineData(1ul << 63)]
    public void MmioRangeDescriptor_ReservedBits_AreFormatErrors(ulong bit)
    {
        var ex = Assert.Throws<ProtocolFormatException>(() => MmioRangeDescriptor.FromRdx(0x1000 | bit));
        Assert.Contains("rdx", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void MmioRangeDescriptor_OrderBeyondGpaSpace_IsFormatError() =>
        Assert.Throws<ProtocolFormatException>(() => MmioRangeDescriptor.FromRdx(0x1000 | (41ul << 4)));

    [Fact]
    public void SdteWriteParam_SeedIsOneOrZero()
    {
        Assert.Equal(1ul, SdteWriteParam.Validate);
        Assert.Equal(0ul, SdteWriteParam.Clear);
        Assert.Equal((2ul << 40) | 1, SdteWriteParam.WithVtom(2ul << 40, validate: true));
    }

    [Fact]
    public void GhcbPage_FieldsAtSaveAreaOffsetsAndValidBits()
    {
        var bytes = new byte[4096];
        var ghcb = new GhcbPage(bytes);
        ghcb.Set(GhcbField.Rax, 0x1111);
        ghcb.Set(GhcbField.Rbx, 0x2222);
        ghcb.Set(GhcbField.Rcx, 0x3333);
        ghcb.Set(GhcbField.Rdx, 0x4444);
        ghcb.WriteExit(VmgExitCode.SevTioGuestRequest, 0x5555, 0x6666);
        ghcb.Set(GhcbField.SwScratch, 0x7777);
        ghcb.ProtocolVersion = 2;
        ghcb.Usage = 0;

        // struct ghcb_save_area offsets; bitmap index = offset / 8.
        var expected = new byte[4096];
        PutU64(expected, 0x1F8, 0x1111);
        PutU64(expected, 0x318, 0x2222);
        PutU64(expected, 0x308, 0x3333);
        PutU64(expected, 0x310, 0x4444);
        PutU64(expected, 0x390, 0x8000_0020);
        PutU64(expected, 0x398, 0x5555);
        PutU64(expected, 0x3A0, 0x6666);
        PutU64(expected, 0x3A8, 0x7777);
        foreach (var offset in new[] { 0x1F8, 0x318, 0x308, 0x310, 0x390, 0x398, 0x3A0, 0x3A8 })
        {
            var index = offset / 8;
            expected[0x3F0 + (index / 8)] |= (byte)(1 << (index % 8));
        }

        PutU16(expected, 0xFFA, 2);
        Assert.Equal(expected, bytes);
        Assert.Equal(new GhcbExit(VmgExitCode.SevTioGuestRequest, 0x5555, 0x6666), new GhcbPage(bytes).ReadExit());
    }

    [Fact]
    public void GhcbPage_Layout()
    {
        Assert.Equal(1032, GhcbPage.SaveAreaSize);
        Assert.Equal(0x800, GhcbPage.SharedBufferOffset);
        Assert.Equal(2032, GhcbPage.SharedBufferSize);
        Assert.Equal(0x800 + 2032 + 10, GhcbPage.ProtocolVersionOffset); // reserved_0xff0[10]
        Assert.Equal(63, GhcbPage.BitmapIndexOf(GhcbField.Rax));
        Assert.Equal(114, GhcbPage.BitmapIndexOf(GhcbField.SwExitCode));
    }

    [Fact]
    public void GhcbPage_FieldNotMarkedValid_IsFormatErrorNamingIt()
    {
        var bytes = new byte[4096];
        PutU64(bytes, 0x1F8, 0x1234); // RAX written, bit not set
        var ex = Assert.Throws<ProtocolFormatException>(() => new GhcbPage(bytes).Get(GhcbField.Rax));
        Assert.Equal("GHCB.Rax", ex.Field);
        Assert.Equal(0x1234ul, new GhcbPage(bytes).GetRaw(GhcbField.Rax));
    }

    [Fact]
    public void GhcbPage_Invalidate_ClearsBitmapAndExitCode()
    {
        var bytes = new byte[4096];
        var ghcb = new GhcbPage(bytes);
        ghcb.WriteExit(VmgExitCode.SevTioOp, 1, 2);
        ghcb.Invalidate();
        Assert.False(ghcb.IsValid(GhcbField.SwExitInfo1));
        Assert.Equal(0ul, ghcb.GetRaw(GhcbField.SwExitCode));
        Assert.Throws<ProtocolFormatException>(() => new GhcbPage(bytes).ReadExit());
    }

    [Fact]
    public void GhcbPage_WrongSize_IsArgumentError() => Assert.Throws<ArgumentException>(() => new GhcbPage(new byte[4095]));

    [Fact]
    public void GhcbPage_RandomPages_OnlyFormatErrors()
    {
        var random = new Random(601);
        var bytes = new byte[4096];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(bytes);
            try
            {
                var ghcb = new GhcbPage(bytes);
                ghcb.ReadExit();
                ghcb.Get(GhcbField.Rdx);
                TioOpExitInfo.FromExitInfo1(ghcb.Get(GhcbField.SwExitInfo1));
                MmioRangeDescriptor.FromRdx(ghcb.Get(GhcbField.Rdx));
            }
            catch (ProtocolFormatException)
            {
            }
        }
    }

    [Fact]
    public void PageStateChange_EncodesAtLinuxLayout()
    {
        var descriptor = PageStateChangeDescriptor.Create([
            new PageStateChangeEntry(0, 0x12345, PageStateOperation.Shared, false),
            new PageStateChangeEntry(0x1FF, 0xABCDE, PageStateOperation.Private, true),
        ]);
        var expected = new byte[8 + 16];
        PutU16(expected, 0, 0); // cur_entry
        PutU16(expected, 2, 1); // end_entry: index of the last entry
        PutU64(expected, 8, (0x12345ul << 12) | (2ul << 52));
        PutU64(expected, 16, 0x1FF | (0xABCDEul << 12) | (1ul << 52) | (1ul << 56));
        var actual = new byte[24];
        Assert.Equal(24, descriptor.Encode(actual));
        Assert.Equal(expected, actual);
        Assert.Equal(descriptor, PageStateChangeDescriptor.Decode(actual));
        Assert.Equal(2032, PageStateChangeDescriptor.HeaderSize + (PageStateChangeDescriptor.MaxEntries * PageStateChangeEntry.Size));
    }

    [Theory]
    [InlineData(0, 253, "end_entry")]
    [InlineData(3, 1, "cur_entry")]
    public void PageStateChange_BadHeader_IsFormatError(ushort current, ushort end, string field)
    {
        var bytes = new byte[2032];
        PutU16(bytes, 0, current);
        PutU16(bytes, 2, end);
        Rejects(bytes, b => PageStateChangeDescriptor.Decode(b), field);
    }

    [Theory]
    [InlineData(0ul, "operation")]
    [InlineData(5ul << 52, "operation")]
    [InlineData((1ul << 52) | (1ul << 57), "entries[0]")]
    public void PageStateChange_BadEntry_IsFormatError(ulong raw, string field)
    {
        var bytes = new byte[16];
        PutU64(bytes, 8, raw);
        Rejects(bytes, b => PageStateChangeDescriptor.Decode(b), field);
    }

    [Fact]
    public void PageStateChange_TruncationsAndFuzz_OnlyFormatErrors()
    {
        var bytes = new byte[8 + 24];
        PageStateChangeDescriptor.Create([
            new PageStateChangeEntry(0, 1, PageStateOperation.Shared, false),
            new PageStateChangeEntry(0, 2, PageStateOperation.Shared, false),
            new PageStateChangeEntry(0, 3, PageStateOperation.Psmash, true),
        ]).Encode(bytes);
        EveryTruncationThrows(bytes, b => PageStateChangeDescriptor.Decode(b));
        FuzzOnlyFormatErrorsEscape(602, 3000, bytes, 64, b => PageStateChangeDescriptor.Decode(b));
    }
}
