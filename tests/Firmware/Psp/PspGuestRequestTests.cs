using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.TestSupport;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// TIO_GUEST_REQUEST at the PSP: messages sealed here as a guest seals them, every MMIO_VALIDATE status (0–10), the
/// SDTE_WRITE statuses and the guest-writable field rule, TDI_INFO, MMIO_CONFIG, and refusal of replayed, tampered,
/// mis-keyed and malformed messages (with the next genuine one still accepted).
/// </summary>
public sealed class PspGuestRequestTests
{
    private const ushort GuestDeviceId = 0x18;

    private sealed class Session(PspBench bench, TestGuestContext guest, ScatterListAddress tdi) : IDisposable
    {
        public PspBench Bench { get; } = bench;

        public TestGuestContext Guest { get; } = guest;

        public ScatterListAddress Tdi { get; } = tdi;

        public ulong RequestPage { get; } = bench.Page();

        public ulong ResponsePage { get; } = bench.FirmwarePage();

        public ulong Sequence { get; set; } = 1;

        public (PspReturnCode Status, SnpGuestMessageHeader Header, byte[] Payload) SendPage(byte[] page, ulong? requestPage = null, ulong? responsePage = null)
        {
            Bench.Platform.Memory.Write(requestPage ?? RequestPage, page);
            var status = Bench.Relayed(c => new TioGuestRequestCommand(c, Bench.DeviceContext, Tdi, Guest.Address, requestPage ?? RequestPage, responsePage ?? ResponsePage));
            if (status != PspReturnCode.Success)
            {
                return (status, default, []);
            }

            var response = new byte[4096];
            Bench.Platform.Memory.Read(ResponsePage, response);
            var (header, payload) = GuestMessageCodec.Open(Guest.Vmpck0, response);
            return (status, header, payload);
        }

        public TResponse Send<TRequest, TResponse>(TRequest request, TioMessageVersion version = TioMessageVersion.V1)
            where TRequest : struct, ITioGuestMessage<TRequest>
            where TResponse : struct, ITioGuestMessage<TResponse>
        {
            var (status, header, payload) = SendPage(GuestMessageCodec.Seal(Guest.Vmpck0, request, Sequence, version));
            Assert.Equal(PspReturnCode.Success, status);
            Assert.Equal(Sequence + 1, header.SequenceNumber);
            Assert.Equal(TResponse.MessageType, header.MessageType);
            Sequence += 2;
            return TResponse.Decode(payload, version);
        }

        public MmioValidateResponse Validate(ulong gpa, uint pages, uint offset = 0, MmioValidateFlags flags = MmioValidateFlags.Validated, ushort rangeId = 0, ushort id = GuestDeviceId) =>
            Send<MmioValidateRequest, MmioValidateResponse>(new MmioValidateRequest(id, gpa, pages, offset, flags, rangeId));

        public void Dispose() => Bench.Dispose();
    }

    private static Session Open(bool bind = true, bool run = true, bool assignMmio = true)
    {
        var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out _);
        if (bind)
        {
            Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, GuestDeviceId));
            if (run)
            {
                Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, GuestDeviceId, run: TioTdiRunFlags.RunForce));
            }

            if (assignMmio)
            {
                bench.AssignMmio(9, TeeIoTestDevice.Bar0, 16);
                bench.AssignMmio(9, TeeIoTestDevice.Bar4, 256);
            }
        }

        return new Session(bench, guest, tdi);
    }

    [Fact]
    public void TdiInfo_Bound_DigestsOfTheBlobsTheHostHolds()
    {
        using var s = Open();

        var info = s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(GuestDeviceId));

        Assert.Equal(TdiBindStatus.Bound, info.Status);
        Assert.Equal(TdispLockFlags.NoFirmwareUpdate, info.LockFlags);
        Assert.Equal(TioSpdmAlgorithms.Default, info.Algorithms);
        Assert.Equal(System.Security.Cryptography.SHA384.HashData(s.Bench.Device.Identity.CertificateChain), info.CertificatesDigest.ToArray());
        Assert.Equal(1ul, info.ReportCount);
    }

    [Fact]
    public void TdiInfo_NeverBound_Invalid_AfterUnbind_Unbound()
    {
        using var s = Open(bind: false);
        Assert.Equal(TdiBindStatus.Invalid, s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(GuestDeviceId)).Status);

        Assert.Equal(PspReturnCode.Success, s.Bench.Bind(s.Tdi, s.Guest.Address, GuestDeviceId));
        Assert.Equal(PspReturnCode.Success, s.Bench.Unbind(s.Tdi, s.Guest.Address));

        Assert.Equal(TdiBindStatus.Unbound, s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(GuestDeviceId)).Status);
        Assert.Equal(TdiBindStatus.Invalid, s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(0x99)).Status);
    }

    [Fact]
    public void TdiInfo_Version2_NamesTheFirmwareTdiId()
    {
        using var s = Open();

        var info = s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(s.Tdi.PhysicalAddress >> 12), TioMessageVersion.V2);

        Assert.Equal(TdiBindStatus.Bound, info.Status);
        Assert.Equal(s.Tdi.PhysicalAddress >> 12, info.TdiId);
    }

    [Fact]
    public void MmioValidate_Success_SetsAndClearsRmpValidated()
    {
        using var s = Open();

        var set = s.Validate(TeeIoTestDevice.Bar0, 16);
        Assert.Equal((MmioValidateStatus.Success, true), (set.Status, set.Changed));
        Assert.True(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0 + 0xF000).Validated);

        var again = s.Validate(TeeIoTestDevice.Bar0, 16);
        Assert.Equal((MmioValidateStatus.Success, false), (again.Status, again.Changed));

        var clear = s.Validate(TeeIoTestDevice.Bar0, 16, flags: MmioValidateFlags.None);
        Assert.Equal((MmioValidateStatus.Success, true), (clear.Status, clear.Changed));
        Assert.False(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0).Validated);
    }

    [Fact]
    public void MmioValidate_Status1_InvalidTdi()
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.InvalidTdi, s.Validate(TeeIoTestDevice.Bar0, 1, id: 0x42).Status);
    }

    [Fact]
    public void MmioValidate_Status2_TdiUnbound()
    {
        using var s = Open(run: false);
        Assert.Equal(PspReturnCode.Success, s.Bench.Unbind(s.Tdi, s.Guest.Address));

        Assert.Equal(MmioValidateStatus.TdiUnbound, s.Validate(TeeIoTestDevice.Bar0, 1).Status);
        Assert.Equal(MmioValidateStatus.Success, s.Validate(TeeIoTestDevice.Bar0, 1, flags: MmioValidateFlags.None).Status);
    }

    [Fact]
    public void MmioValidate_Status3_NotAssigned()
    {
        using var s = Open(assignMmio: false);
        Assert.Equal(MmioValidateStatus.NotAssigned, s.Validate(TeeIoTestDevice.Bar0, 1).Status);
    }

    [Fact]
    public void MmioValidate_Status4_NotIo()
    {
        using var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out _);

        // The host programmed BAR4 over DRAM before the lock: its pages are not I/O pages.
        bench.Device.Config.Write(0x20, 0x0800_0000);
        bench.Device.Config.Write(0x24, 0);
        Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, GuestDeviceId));
        bench.AssignMmio(9, 0x0800_0000, 1);
        using var s = new Session(bench, guest, tdi);

        Assert.Equal(MmioValidateStatus.NotIo, s.Validate(0x0800_0000, 1, rangeId: 4).Status);
    }

    [Fact]
    public void MmioValidate_Status5_NotUniform_UnlessForced()
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.Success, s.Validate(TeeIoTestDevice.Bar0, 2).Status);

        Assert.Equal(MmioValidateStatus.NotUniform, s.Validate(TeeIoTestDevice.Bar0, 4).Status);
        Assert.False(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0 + 0x3000).Validated);
        Assert.Equal(MmioValidateStatus.Success, s.Validate(TeeIoTestDevice.Bar0, 4, flags: MmioValidateFlags.Validated | MmioValidateFlags.ForceValidated).Status);
        Assert.True(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0 + 0x3000).Validated);
    }

    [Fact]
    public void MmioValidate_Status6_NotImmutable()
    {
        using var s = Open(assignMmio: false);
        s.Bench.AssignMmio(9, TeeIoTestDevice.Bar0, 1, immutable: true);
        Assert.Equal(MmioValidateStatus.NotImmutable, s.Validate(TeeIoTestDevice.Bar0, 1).Status);
    }

    [Fact]
    public void MmioValidate_Status7_NotMapped()
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.NotMapped, s.Validate(TeeIoTestDevice.Bar0 + 0x1000, 1).Status);
    }

    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)2)]
    public void MmioValidate_Status8_NotReported(ushort rangeId)
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.NotReported, s.Validate(TeeIoTestDevice.Bar2, 1, rangeId: rangeId).Status);
    }

    [Fact]
    public void MmioValidate_Status9_OutOfRange()
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.OutOfRange, s.Validate(TeeIoTestDevice.Bar0, 17).Status);
        Assert.Equal(MmioValidateStatus.OutOfRange, s.Validate(TeeIoTestDevice.Bar0 + 0xF000, 2, offset: 0xF000).Status);
        Assert.Equal(MmioValidateStatus.OutOfRange, s.Validate(TeeIoTestDevice.Bar0, 0).Status);
    }

    [Fact]
    public void MmioValidate_Status10_Not4K()
    {
        using var s = Open();
        Assert.Equal(MmioValidateStatus.Not4K, s.Validate(TeeIoTestDevice.Bar0 + 0x800, 1, offset: 0x800).Status);
    }

    [Fact]
    public void MmioValidate_SecondRange_OffsetCountsFromItsFirstPage()
    {
        using var s = Open();
        var response = s.Validate(TeeIoTestDevice.Bar4 + 0x10000, 8, offset: 0x10000, rangeId: 4);
        Assert.Equal(MmioValidateStatus.Success, response.Status);
        Assert.True(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar4 + 0x17000).Validated);
        Assert.False(s.Bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar4 + 0x18000).Validated);
    }

    private static SecureDeviceTableEntryImage Image()
    {
        var entry = default(SecureDeviceTableEntry);
        entry.Valid = true;
        entry.Read = true;
        entry.Write = true;
        entry.VTomEnable = true;
        entry.SetVTom(2UL << 40);
        var bytes = new byte[64];
        entry.Encode(bytes);
        return SecureDeviceTableEntryImage.FromBytes(bytes);
    }

    [Fact]
    public void SdteWrite_GuestFieldsOnly_ReachTheIommuAndThePspFieldsStay()
    {
        using var s = Open();

        var response = s.Send<SdteWriteRequest, SdteWriteResponse>(new SdteWriteRequest(GuestDeviceId, Image()));

        Assert.Equal(SdteWriteStatus.Success, response.Status);
        var sdte = s.Bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf);
        Assert.True(sdte.Valid && sdte.Read && sdte.Write && sdte.VTomEnable);
        Assert.Equal(2UL << 40, sdte.VTom);
        Assert.Equal(9, sdte.Asid);
        Assert.Equal(GuestDeviceId, sdte.GuestDeviceId);
    }

    [Fact]
    public void SdteWrite_ImageSetsAPspField_ReservedAndNothingChanges()
    {
        using var s = Open();
        var bytes = new byte[64];
        var entry = default(SecureDeviceTableEntry);
        entry.Valid = true;
        entry.Asid = 3;
        entry.Encode(bytes);

        var response = s.Send<SdteWriteRequest, SdteWriteResponse>(new SdteWriteRequest(GuestDeviceId, SecureDeviceTableEntryImage.FromBytes(bytes)));

        Assert.Equal(SdteWriteStatus.Reserved, response.Status);
        var sdte = s.Bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf);
        Assert.False(sdte.Valid);
        Assert.Equal(9, sdte.Asid);
    }

    [Fact]
    public void SdteWrite_WrongIdOrUnbound_InvalidTdiOrNotBound()
    {
        using var s = Open(run: false);
        Assert.Equal(SdteWriteStatus.InvalidTdi, s.Send<SdteWriteRequest, SdteWriteResponse>(new SdteWriteRequest(0x77, Image())).Status);
        Assert.Equal(PspReturnCode.Success, s.Bench.Unbind(s.Tdi, s.Guest.Address));

        Assert.Equal(SdteWriteStatus.TdiNotBound, s.Send<SdteWriteRequest, SdteWriteResponse>(new SdteWriteRequest(GuestDeviceId, Image())).Status);
        Assert.False(s.Bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
    }

    [Fact]
    public void MmioConfig_Read_ReportsTheRangeAttributes()
    {
        using var s = Open();

        var tee = s.Send<MmioConfigRequest, MmioConfigResponse>(new MmioConfigRequest(GuestDeviceId, false, 0, false));
        var nonTee = s.Send<MmioConfigRequest, MmioConfigResponse>(new MmioConfigRequest(GuestDeviceId, false, 2, false));
        var write = s.Send<MmioConfigRequest, MmioConfigResponse>(new MmioConfigRequest(GuestDeviceId, true, 0, true));

        Assert.Equal((0, MmioConfigAttributes.None), (tee.Status, tee.Attributes));
        Assert.Equal((0, MmioConfigAttributes.NonTeeMemory), (nonTee.Status, nonTee.Attributes));
        Assert.Equal(4, write.Status);
    }

    [Fact]
    public void GuestRequest_Replayed_RefusedAndTheNextGenuineMessageWorks()
    {
        using var s = Open();
        var first = GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 1);
        Assert.Equal(PspReturnCode.Success, s.SendPage(first).Status);

        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(first).Status);
        Assert.Equal(1, s.Bench.Psp.Counters.GuestRequestsRefused);

        var next = GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 3);
        var (status, header, _) = s.SendPage(next);
        Assert.Equal(PspReturnCode.Success, status);
        Assert.Equal(4ul, header.SequenceNumber);
    }

    [Fact]
    public void GuestRequest_SkippedSequenceNumber_Refused()
    {
        using var s = Open();

        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 3)).Status);
    }

    [Theory]
    [InlineData(SnpGuestMessageHeader.Size)]
    [InlineData(0)]
    [InlineData(SnpGuestMessageHeader.AssociatedDataOffset + 7)]
    public void GuestRequest_Tampered_RefusedAndNothingCommitted(int offset)
    {
        using var s = Open();
        var page = GuestMessageCodec.Seal(s.Guest.Vmpck0, new SdteWriteRequest(GuestDeviceId, Image()), 1);
        page[offset] ^= 0x80;

        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(page).Status);

        Assert.False(s.Bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        Assert.Equal(PspReturnCode.Success, s.SendPage(GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 1)).Status);
    }

    [Fact]
    public void GuestRequest_SealedUnderAnotherKey_Refused()
    {
        using var s = Open();
        var wrong = (byte[])s.Guest.Vmpck0.Clone();
        wrong[0] ^= 1;

        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.Seal(wrong, new TdiInfoRequest(GuestDeviceId), 1)).Status);
        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 1, vmpckId: 1)).Status);
    }

    [Fact]
    public void GuestRequest_NotATioMessageOrWrongSize_Refused()
    {
        using var s = Open();

        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.SealRaw(s.Guest.Vmpck0, SnpGuestMessageType.ReportRequest, new byte[96], 1, 1)).Status);
        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.SealRaw(s.Guest.Vmpck0, SnpGuestMessageType.TioTdiInfoRequest, new byte[32], 1, 1)).Status);
        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(GuestMessageCodec.SealRaw(s.Guest.Vmpck0, SnpGuestMessageType.TioTdiInfoRequest, new byte[16], 1, 3)).Status);
    }

    [Fact]
    public void GuestRequest_PageOwnership_RequestHostPageResponseFirmwarePage()
    {
        using var s = Open();
        var page = GuestMessageCodec.Seal(s.Guest.Vmpck0, new TdiInfoRequest(GuestDeviceId), 1);

        Assert.Equal(PspReturnCode.InvalidPageState, s.SendPage(page, responsePage: s.Bench.Page()).Status);
        var firmwareRequest = s.Bench.FirmwarePage();
        Assert.Equal(PspReturnCode.InvalidPageOwner, s.SendPage(page, requestPage: firmwareRequest).Status);
        Assert.Equal(PspReturnCode.InvalidParam, s.SendPage(page, responsePage: s.Bench.Pages(s.Bench.Spdm.Output)[0]).Status);
    }

    [Fact]
    public void GuestRequest_Response_IsCiphertextToTheHost()
    {
        using var s = Open();
        s.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(GuestDeviceId));

        var raw = new byte[4096];
        s.Bench.Platform.Memory.Read(s.ResponsePage, raw);
        var header = SnpGuestMessage.Read(raw).Header;
        Assert.Equal(SnpGuestMessageType.TioTdiInfoResponse, header.MessageType);
        Assert.Equal(-1, raw.AsSpan(96, header.MessageSize).IndexOf(System.Security.Cryptography.SHA384.HashData(s.Bench.Device.Identity.CertificateChain)));
    }
}
