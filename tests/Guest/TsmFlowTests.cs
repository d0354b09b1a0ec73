using SevTio.Guest.Tests.Fakes;
using SevTio.Guest.Tsm;
using SevTio.Hw.Iommu;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Tsm;

namespace SevTio.Guest.Tests;

/// <summary>
/// Lock, accept and unlock driven through the sysfs files as a user drives Linux, against the fake hypervisor and PSP:
/// every state visible, the kernel's answers (devsec ABI of drivers/pci/tsm.c), and the hypervisor's lies caught.
/// </summary>
public sealed class TsmFlowTests
{
    [Fact]
    public void LockAcceptUnlock_Relock_EveryStateVisibleThroughSysfs()
    {
        using var f = new GuestFixture();
        Assert.Equal("\n", f.Read(GuestFixture.Lock));
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.Equal("CONFIG_UNLOCKED\n", f.Read(GuestFixture.TdispState));

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0\n"));
        Assert.Equal("tsm0\n", f.Read(GuestFixture.Lock));
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.Equal("CONFIG_LOCKED\n", f.Read(GuestFixture.TdispState));
        Assert.Equal("verified\n", f.Read(GuestFixture.Evidence));
        Assert.True(f.Device.MemorySpaceEnabled);

        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal("1\n", f.Read(GuestFixture.Accept));
        Assert.Equal("RUN\n", f.Read(GuestFixture.TdispState));
        Assert.True(f.Device.CcAccepted);

        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "1"));
        Assert.Equal("\n", f.Read(GuestFixture.Lock));
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.Equal("CONFIG_UNLOCKED\n", f.Read(GuestFixture.TdispState));
        Assert.False(f.Device.CcAccepted);

        // The seed's orders: lock = BIND; accept = RUN; unlock = STOP ... UNBIND.
        Assert.Equal([TioOpAction.Bind, TioOpAction.Run, TioOpAction.Stop, TioOpAction.Unbind], f.Hypervisor.Operations);

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "y"));
        Assert.Equal("1\n", f.Read(GuestFixture.Accept));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0\n"));
        Assert.Equal("\n", f.Read(GuestFixture.Lock));
    }

    [Fact]
    public void Accept_SendsRunThenSdteWriteThenMmioValidateForTeeRangesOnly()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        f.Psp.Requests.Clear();

        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));

        Assert.Equal(
            [SnpGuestMessageType.TioTdiInfoRequest, SnpGuestMessageType.TioSdteWriteRequest, SnpGuestMessageType.TioMmioValidateRequest],
            f.Psp.Requests);

        // Only BAR0 is TEE: the MSI-X table, the PBA and the non-TEE doorbells stay shared.
        var validate = Assert.Single(f.Psp.MmioRequests);
        Assert.Equal(GuestTestPlatform.Bar0Gpa, validate.SubrangeBase);
        Assert.Equal(16u, validate.SubrangePageCount);
        Assert.Equal(MmioValidateFlags.Validated, validate.Flags);
        Assert.Equal(0, validate.RangeId);
        for (ulong page = 0; page < GuestTestPlatform.Bar0Size; page += 4096)
        {
            Assert.True(f.Platform.RmpEntryAt(GuestTestPlatform.Bar0Gpa + page).Validated);
        }

        Assert.False(f.Platform.RmpEntryAt(GuestTestPlatform.Bar2Gpa).Validated);

        // The sDTE the PSP programmed: V, IR, IW, vTOM_EN with the seed's vTOM, for this guest.
        var sdte = f.Platform.Iommu.ReadSecureDeviceTableEntry(GuestTestPlatform.DeviceAddress.RequesterId);
        Assert.True(sdte.Valid && sdte.Read && sdte.Write && sdte.VTomEnable);
        Assert.Equal(0x7FFF_FFFFu, sdte.VTomUnits);
        Assert.Equal(GuestTestPlatform.Asid, sdte.Asid);
    }

    [Fact]
    public void Accept_ValidatedRangesMapEncrypted_OthersShared_IomemShowsEncryptedResource()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Device.IoRemap(0, 0, 0x1000, out var before));
        Assert.False(before.Encrypted);

        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));

        Assert.Equal(Errno.None, f.Device.IoRemap(0, 0x100, 0x100, out var registers));
        Assert.True(registers.Encrypted);
        registers.Write32(0x10, 0xC0FFEE);
        Assert.Equal(0xC0FFEEu, registers.Read32(0x10));
        Assert.Equal(Errno.None, f.Device.IoRemap(2, 0, 0x1000, out var msix));
        Assert.False(msix.Encrypted);
        Assert.Equal(0, f.Platform.Device.RefusedMmio);
        Assert.Contains("PCI MMIO Encrypted", f.Read("/proc/iomem"), StringComparison.Ordinal);

        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));
        Assert.DoesNotContain("PCI MMIO Encrypted", f.Read("/proc/iomem"), StringComparison.Ordinal);
        Assert.False(f.Platform.RmpEntryAt(GuestTestPlatform.Bar0Gpa).Assigned);
    }

    [Fact]
    public void Unlock_AfterAccept_StopsClearsSdteInvalidatesMmioUnbinds()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        f.Psp.Requests.Clear();
        f.Psp.MmioRequests.Clear();

        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "1"));

        Assert.Equal([SnpGuestMessageType.TioSdteWriteRequest, SnpGuestMessageType.TioMmioValidateRequest], f.Psp.Requests);
        Assert.True(f.Psp.LastSdte!.Value.IsZero);
        Assert.Equal(MmioValidateFlags.None, Assert.Single(f.Psp.MmioRequests).Flags);
        Assert.False(f.Platform.Iommu.ReadSecureDeviceTableEntry(GuestTestPlatform.DeviceAddress.RequesterId).Valid);
        Assert.Equal(TioOpAction.Unbind, f.Hypervisor.Operations[^1]);
        Assert.Equal(TioOpAction.Stop, f.Hypervisor.Operations[^2]);
    }

    [Fact]
    public void Lock_WhileDriverBound_IsEbusy_AndAcceptAndUnlockToo()
    {
        using var f = new GuestFixture();
        var driver = new NullDriver();
        f.Kernel.RegisterDriver(driver);
        Assert.Equal(Errno.None, f.Write("/sys/bus/pci/drivers/null-drv/bind", GuestFixture.Bdf));
        Assert.Equal("null-drv\n", f.Read(GuestFixture.DeviceDir + "/driver"));

        Assert.Equal(Errno.EBUSY, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Empty(f.Hypervisor.Operations);

        Assert.Equal(Errno.None, f.Write("/sys/bus/pci/drivers/null-drv/unbind", GuestFixture.Bdf));
        Assert.False(f.Kernel.Sysfs.Exists(GuestFixture.DeviceDir + "/driver"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write("/sys/bus/pci/drivers/null-drv/bind", GuestFixture.Bdf));
        Assert.Equal(Errno.EBUSY, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal(Errno.EBUSY, f.Write(GuestFixture.Unlock, "tsm0"));
        Assert.Equal("tsm0\n", f.Read(GuestFixture.Lock));
    }

    [Theory]
    [InlineData("tsm", Errno.EINVAL)]
    [InlineData("1", Errno.EINVAL)]
    [InlineData("tsm1", Errno.ENXIO)]
    public void Lock_BadName_AnswersAsTheKernel(string value, Errno expected)
    {
        using var f = new GuestFixture();
        Assert.Equal(expected, f.Write(GuestFixture.Lock, value));
        Assert.Empty(f.Hypervisor.Operations);
    }

    [Fact]
    public void Lock_Twice_IsEbusy()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.EBUSY, f.Write(GuestFixture.Lock, "tsm0"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("n")]
    [InlineData("maybe")]
    public void Accept_FalseOrGarbage_IsEinval(string value)
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Accept, value));
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
    }

    [Fact]
    public void AcceptOrUnlock_WithoutLock_IsEinval()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Unlock, "tsm0"));
    }

    [Fact]
    public void Unlock_WrongName_IsEinval()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Unlock, "tsm7"));
        Assert.Equal("tsm0\n", f.Read(GuestFixture.Lock));
    }

    [Fact]
    public void Unlock_IsWriteOnly_LockReadWrite_PciModeDevsec()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.EIO, f.Kernel.Sysfs.TryRead(GuestFixture.Unlock, out _));
        Assert.Equal(Errno.EACCES, f.Write(GuestFixture.TdispState, "RUN"));
        Assert.Equal("devsec\n", f.Read("/sys/class/tsm/tsm0/pci_mode"));
        Assert.Equal(["accept", "evidence", "lock", "policy", "report_digest", "tdisp_state", "unlock"], f.Kernel.Sysfs.List(GuestFixture.DeviceDir + "/tsm"));
    }

    [Fact]
    public void Boot_WithoutTioAdvertised_RegistersNoTsm_AndNoTsmFiles()
    {
        using var f = new GuestFixture(advertiseTio: false);
        Assert.Null(f.Kernel.Tsm);
        Assert.False(f.Kernel.Sysfs.Exists("/sys/class/tsm/tsm0/pci_mode"));
        Assert.Equal(Errno.ENOENT, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal("0x1022\n", f.Read(GuestFixture.DeviceDir + "/vendor"));
    }

    [Fact]
    public void Boot_TsmEnableOff_RegistersNoTsm()
    {
        using var f = new GuestFixture(new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Enable = false } });
        Assert.Null(f.Kernel.Tsm);
    }

    [Fact]
    public void Lock_HypervisorHandsNoReport_IsEnodev_AndUnbinds()
    {
        using var f = new GuestFixture();
        f.Hypervisor.Misbehaviour = HostMisbehaviour.DropReport;

        Assert.Equal(Errno.ENODEV, f.Write(GuestFixture.Lock, "tsm0"));

        Assert.Equal("\n", f.Read(GuestFixture.Lock));
        Assert.Equal([TioOpAction.Bind, TioOpAction.Unbind], f.Hypervisor.Operations);
    }

    [Fact]
    public void Lock_BindFirmwareError_IsEio()
    {
        using var f = new GuestFixture();
        f.Hypervisor.OpErrors[TioOpAction.Bind] = 0x3C;

        Assert.Equal(Errno.EIO, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal("\n", f.Read(GuestFixture.Lock));
        Assert.True(f.Kernel.Log.Contains("TIO_OP BIND failed"));
    }

    [Fact]
    public void Accept_RunFirmwareError_IsEio_AndStaysLocked()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        f.Hypervisor.OpErrors[TioOpAction.Run] = 0x3C;

        Assert.Equal(Errno.EIO, f.Write(GuestFixture.Accept, "1"));

        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.Equal("tsm0\n", f.Read(GuestFixture.Lock));
        Assert.Equal(TioDeviceState.Locked, f.Device.Tsm!.State);
    }

    [Theory]
    [InlineData(HostMisbehaviour.AlterReport, "report mismatch")]
    [InlineData(HostMisbehaviour.StaleReport, "report mismatch")]
    [InlineData(HostMisbehaviour.ForeignCertificates, "certificates mismatch")]
    public void Accept_HypervisorLiedAboutEvidence_DigestCheckRefuses(HostMisbehaviour lie, string failure)
    {
        using var f = new GuestFixture();
        f.Hypervisor.Misbehaviour = lie;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Contains(failure, f.Read(GuestFixture.Evidence), StringComparison.Ordinal);
        var operations = f.Hypervisor.Operations.Count;

        Assert.Equal(Errno.EBADMSG, f.Write(GuestFixture.Accept, "1"));

        // Refused before anything changed: no RUN, no sDTE, nothing validated.
        Assert.Equal(operations, f.Hypervisor.Operations.Count);
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.Null(f.Psp.LastSdte);
        Assert.False(f.Platform.RmpEntryAt(GuestTestPlatform.Bar0Gpa).Validated);
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));
    }

    [Fact]
    public void Accept_MeasurementsChanged_PolicyRefusesWithEacces()
    {
        var policy = new ExpectedMeasurementsPolicy([FakeTdiDevice.RecordDigest(firmwareBuild: 1)]);
        using var f = new GuestFixture(
            new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } },
            beforeBoot: p => p.Device.Measurements = FakeTdiDevice.DefaultMeasurements(firmwareBuild: 2)); // new firmware, honestly measured

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal("verified\n", f.Read(GuestFixture.Evidence)); // the blobs are authentic...
        Assert.Equal(Errno.EACCES, f.Write(GuestFixture.Accept, "1")); // ...but not what the owner expects
        Assert.StartsWith("fail: measurements", f.Read(GuestFixture.Policy), StringComparison.Ordinal);
        Assert.Equal("0\n", f.Read(GuestFixture.Accept));
        Assert.DoesNotContain(TioOpAction.Run, f.Hypervisor.Operations);
    }

    [Fact]
    public void Accept_ExpectedMeasurements_PolicyPasses()
    {
        // Pinned on the record: a fresh nonce and signature (another measurement request) must not matter.
        var policy = new ExpectedMeasurementsPolicy([FakeTdiDevice.RecordDigest()], Protocols.Psp.Sha384Digest.FromBytes(System.Security.Cryptography.SHA384.HashData(FakeTdiDevice.DefaultCertificates())));
        using var f = new GuestFixture(
            new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } },
            beforeBoot: p => p.Device.Measurements = FakeTdiDevice.DefaultMeasurements(nonceSeed: 99));

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal("pass\n", f.Read(GuestFixture.Policy));
        Assert.Equal(3, f.Device.Tsm!.Evidence!.MeasurementBlocks!.Count);
    }

    [Fact]
    public void Accept_PinnedCertificatesDiffer_PolicyRefuses()
    {
        var policy = new ExpectedMeasurementsPolicy([FakeTdiDevice.RecordDigest()], default(Protocols.Psp.Sha384Digest));
        using var f = new GuestFixture(new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } });
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.EACCES, f.Write(GuestFixture.Accept, "1"));
        Assert.StartsWith("fail: certificate chain", f.Read(GuestFixture.Policy), StringComparison.Ordinal);
    }

    [Fact]
    public void Accept_MeasurementDigestNotValid_RefusedUnlessAllowed()
    {
        using var strict = new GuestFixture(beforeBoot: p => p.Psp.MeasurementsDigestValid = false);
        Assert.Equal(Errno.None, strict.Write(GuestFixture.Lock, "tsm0"));
        Assert.Contains("measurements notvalid", strict.Read(GuestFixture.Evidence), StringComparison.Ordinal);
        Assert.Equal(Errno.EBADMSG, strict.Write(GuestFixture.Accept, "1"));

        using var lax = new GuestFixture(
            new GuestKernelOptions { Tsm = new SevGuestTsmOptions { RequireMeasurementDigest = false } },
            beforeBoot: p => p.Psp.MeasurementsDigestValid = false);
        Assert.Equal(Errno.None, lax.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, lax.Write(GuestFixture.Accept, "1"));
    }

    [Fact]
    public void Accept_ReportChangedAfterLock_RolledBack_ErrorStateUntilUnlock()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        f.Platform.Device.ReportOverride = FakeTdiDevice.DefaultReport(msixMessageControl: 0x0007);

        Assert.Equal(Errno.EBADMSG, f.Write(GuestFixture.Accept, "1"));

        Assert.Equal(TioDeviceState.Error, f.Device.Tsm!.State);
        Assert.Equal(TioOpAction.Stop, f.Hypervisor.Operations[^1]);
        Assert.False(f.Device.CcAccepted);
        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));
        Assert.Equal(TioOpAction.Unbind, f.Hypervisor.Operations[^1]);
    }

    [Fact]
    public void Lock_ReportOverflowsBar_IsEinval_AndUnbinds()
    {
        using var f = new GuestFixture(beforeBoot: p => p.Device.ReportOverride = new(
            Protocols.Tdisp.TdispInterfaceInfo.None, 0, 0, 0,
            [new Protocols.Tdisp.TdispMmioRange(FakeTdiDevice.HostBar0, 17, Protocols.Tdisp.TdispMmioRangeAttributes.None, 0)],
            []));

        Assert.Equal(Errno.EINVAL, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal([TioOpAction.Bind, TioOpAction.Unbind], f.Hypervisor.Operations);
        Assert.True(f.Kernel.Log.Contains("interface report rejected"));
    }

    [Fact]
    public void Lock_ReportedWithReportingOffset_RangesLandInTheGuestBars()
    {
        using var f = new GuestFixture(beforeBoot: p => p.Device.ReportingOffset = 0x1234_5000);
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        var ranges = f.Device.Tsm!.MmioRanges;
        Assert.Equal(
            [GuestTestPlatform.Bar0Gpa, GuestTestPlatform.Bar2Gpa, GuestTestPlatform.Bar2Gpa + 0x1000, GuestTestPlatform.Bar2Gpa + 0x2000],
            ranges.Select(r => r.Gpa));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
    }

    [Fact]
    public void Lock_BlobTableOverlaps_IsEbadmsg()
    {
        using var f = new GuestFixture();
        f.Hypervisor.Misbehaviour = HostMisbehaviour.OverlappingBlobTable;
        Assert.Equal(Errno.EBADMSG, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal("\n", f.Read(GuestFixture.Lock));
    }

    [Fact]
    public void Lock_HypervisorAsksForMorePages_GuestReallocatesAndResendsSameMessage()
    {
        using var f = new GuestFixture();
        f.Hypervisor.ForceInvalidLengthPages = 12;

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));

        var infos = f.Hypervisor.GuestRequests.Where(r => r.Type == SnpGuestMessageType.TioTdiInfoRequest).ToList();
        Assert.Equal(2, infos.Count);
        Assert.Equal(8, infos[0].DataPages);
        Assert.Equal(12, infos[1].DataPages);
        Assert.Equal("verified\n", f.Read(GuestFixture.Evidence));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1")); // the sequence numbers stayed in step with the PSP
    }

    [Fact]
    public void Lock_BigBlobs_DefaultBufferTooSmall_InvalidLenThenSuccess()
    {
        using var f = new GuestFixture(beforeBoot: p =>
        {
            p.Device.Certificates = new byte[40_000];
            new Random(3).NextBytes(p.Device.Certificates);
        });

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));

        // Three 24-byte table slots, then the blobs: 40 000 + 420 + an 87-byte report (16 + 4 × 16 + 4 + 3).
        Assert.Equal((72 + 40_000 + 420 + 87 + 4095) / 4096, f.Hypervisor.GuestRequests[1].DataPages);
        Assert.Equal("verified\n", f.Read(GuestFixture.Evidence));
    }

    [Fact]
    public void Lock_HypervisorBusy_RetriesAfterTheLinuxDelay()
    {
        using var f = new GuestFixture();
        f.Hypervisor.BusyAnswers = 2;
        var start = f.Platform.Scheduler.Now;

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));

        Assert.True(f.Platform.Scheduler.Now - start >= Hw.Simulation.SimTime.FromSeconds(4));
        Assert.Equal(3, f.Hypervisor.GuestRequests.Count(r => r.Type == SnpGuestMessageType.TioTdiInfoRequest));
    }

    [Fact]
    public void Lock_HypervisorBusyForever_TimesOut_AndDisablesTheVmpck()
    {
        using var f = new GuestFixture();
        f.Hypervisor.BusyAnswers = int.MaxValue;

        Assert.Equal(Errno.ETIMEDOUT, f.Write(GuestFixture.Lock, "tsm0"));

        Assert.True(f.Kernel.Messages.IsDisabled);
        f.Hypervisor.BusyAnswers = 0;
        Assert.Equal(Errno.ENOTTY, f.Write(GuestFixture.Lock, "tsm0"));
    }

    [Theory]
    [InlineData(HostMisbehaviour.ReplayResponse)]
    [InlineData(HostMisbehaviour.TamperResponse)]
    public void Accept_ForgedResponse_Ebadmsg_ThenTheChannelFailsClosed(HostMisbehaviour forgery)
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        f.Hypervisor.Misbehaviour = forgery;

        Assert.Equal(Errno.EBADMSG, f.Write(GuestFixture.Accept, "1"));

        Assert.True(f.Kernel.Messages.IsDisabled);
        Assert.False(f.Device.CcAccepted);
        Assert.Equal(TioDeviceState.Error, f.Device.Tsm!.State);

        // Unlock still unbinds (a GHCB operation); guest messages answer ENOTTY from now on.
        f.Hypervisor.Misbehaviour = HostMisbehaviour.None;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));
        Assert.Equal(TioOpAction.Unbind, f.Hypervisor.Operations[^1]);
        Assert.Equal(Errno.ENOTTY, f.Write(GuestFixture.Lock, "tsm0"));
    }

    [Fact]
    public void LockAccept_MessageVersion2_CarriesTheFirmwareTdiIdFromBind()
    {
        using var f = new GuestFixture(new GuestKernelOptions { Tsm = new SevGuestTsmOptions { MessageVersion = TioMessageVersion.V2 } });

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));

        Assert.Equal(f.Psp.TdiId, f.Device.Tsm!.TdiId);
        Assert.All(f.Psp.Versions, v => Assert.Equal(TioMessageVersion.V2, v));
        Assert.Equal(f.Psp.TdiId, Assert.Single(f.Psp.MmioRequests).TdiId);
    }

    [Fact]
    public void PhaseTimes_AreMeasuredAroundTheGuestCalls()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        var tdi = f.Device.Tsm!;
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Unlock, "tsm0"));

        // Lock holds the fake BIND, accept the fake RUN, unlock STOP + UNBIND; report is the TDI_INFO round trip.
        Assert.True(tdi.PhaseTimes.Lock >= f.Hypervisor.BindCost);
        Assert.True(tdi.PhaseTimes.Accept >= f.Hypervisor.RunCost);
        Assert.True(tdi.PhaseTimes.Unlock >= f.Hypervisor.StopCost + f.Hypervisor.UnbindCost);
        Assert.True(tdi.PhaseTimes.Report >= f.Psp.RequestCost);
    }

    [Fact]
    public void TrustedDma_AfterAccept_ReachesPrivateMemory_BeforeAcceptIsRefusedAndLogged()
    {
        using var f = new GuestFixture();
        Assert.True(f.Kernel.Ram.TryAllocate(1, out var buffer));
        var data = "written by the TDI into private memory"u8.ToArray();

        var refused = f.Platform.DeviceDmaWrite(buffer, data, trusted: true);
        Assert.False(refused.Allowed);
        Assert.Equal(IommuFault.NoSecureContext, refused.Fault);
        Assert.NotEmpty(f.Platform.Iommu.EventLog.Drain());

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        var t = f.Platform.DeviceDmaWrite(buffer, data, trusted: true);

        Assert.True(t.Allowed, t.ToString());
        Assert.True(t.IsPrivate);
        var seen = new byte[data.Length];
        Assert.True(f.Platform.GuestView.Read(buffer, seen).Succeeded);
        Assert.Equal(data, seen);
        Assert.NotEqual(data, f.Platform.HostRead(buffer, data.Length));
    }
}
