using System.Security.Cryptography;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.TestSupport;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// TDI_CREATE, TDI_BIND (LOCK + report; RUN_FORCE → START), TDI_STATUS, TDI_REPORT, TDI_INFO, TDI_UNBIND (STOP),
/// TDI_RECLAIM, and the ASID fences: success and error codes, checked against the device's own TDISP state and the
/// IOMMU's secure device table.
/// </summary>
public sealed class PspTdiCommandTests
{
    private static (PspBench Bench, TestGuestContext Guest, ScatterListAddress Tdi) Bound(TdispLockFlags flags = TdispLockFlags.NoFirmwareUpdate)
    {
        var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out var created);
        Assert.Equal(PspReturnCode.Success, created);
        Assert.True(bench.Bind(tdi, guest.Address, flags: flags) == PspReturnCode.Success, bench.Psp.LastDeviceFailure);
        return (bench, guest, tdi);
    }

    private static TsmTdispState Status(PspBench bench, ScatterListAddress tdi)
    {
        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioTdiStatusCommand(c, bench.DeviceContext, tdi, bench.DataPage)));
        return TioTdiStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioTdiStatus.Size)).State;
    }

    private static TioTdiInfo Info(PspBench bench, ScatterListAddress tdi)
    {
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioTdiInfoCommand(bench.DeviceContext, tdi, bench.DataPage)));
        return TioTdiInfo.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioTdiInfo.Size));
    }

    [Fact]
    public void TdiBind_LocksTheTdiOutputsTheReportAndNamesTheGuestInTheSdte()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        Assert.Equal(TdiState.ConfigLocked, bench.Device.Tdi.State);
        Assert.Equal(TsmTdispState.ConfigLocked, Status(bench, tdi));
        var report = SlaBuffer.ReadDeviceObject(bench.ReadBuffer(bench.Spdm.Output), DataObjectId.Report).Data.ToArray();
        var parsed = TdispDeviceInterfaceReport.Decode(report);
        Assert.Equal(
            [(TeeIoTestDevice.Bar0, 16u, (ushort)0), (TeeIoTestDevice.Bar2, 1u, (ushort)2), (TeeIoTestDevice.Bar4, 256u, (ushort)4)],
            parsed.MmioRanges.Select(r => (r.FirstPage, r.NumberOfPages, r.RangeId)));
        Assert.Equal(TdispMmioRangeAttributes.IsNonTeeMem, parsed.MmioRanges[1].Attributes);

        var sdte = bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf);
        Assert.False(sdte.Valid);
        Assert.Equal(9, sdte.Asid);
        Assert.Equal(0x18, sdte.GuestDeviceId);
        Assert.Equal(PspBench.StreamId, sdte.GetIdeStreamId(0));
        Assert.Equal(TeeIoTestDevice.RootPortId, sdte.RootPortId);

        var info = Info(bench, tdi);
        Assert.Equal(SHA384.HashData(report), info.InterfaceReportDigest.ToArray());
        Assert.Equal(SHA384.HashData(bench.Device.Identity.CertificateChain), info.CertificatesDigest.ToArray());
        Assert.Equal(1ul, info.InterfaceReportCounter);
        Assert.Equal(9u, info.Asid);
        Assert.Equal(TdispLockFlags.NoFirmwareUpdate, info.LockFlags);
        Assert.Equal(TdispInterfaceId.Create(TeeIoTestDevice.Bdf), info.InterfaceId);
    }

    [Fact]
    public void TdiBind_RunForce_StartsTheTdiAndLiftsTheDefaultDmaFence()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;
        Assert.Equal(DmaFenceStatus.DefaultFenced, Fence(bench, guest.Asid).Dma);

        Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, run: TioTdiRunFlags.RunForce));

        Assert.Equal(TdiState.Run, bench.Device.Tdi.State);
        Assert.Equal(TsmTdispState.Run, Status(bench, tdi));
        Assert.Equal(DmaFenceStatus.NotFenced, Fence(bench, guest.Asid).Dma);
        Assert.Equal(PspReturnCode.InvalidTdiState, bench.Bind(tdi, guest.Address, run: TioTdiRunFlags.RunForce));
    }

    [Fact]
    public void TdiBind_ErrorCodes()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;
        var other = bench.LaunchGuest(asid: 10);

        Assert.Equal(PspReturnCode.InvalidTdiState, bench.Bind(tdi, guest.Address));
        Assert.Equal(PspReturnCode.InvalidGuest, bench.Bind(tdi, other.Address, run: TioTdiRunFlags.RunForce));
        Assert.Equal(PspReturnCode.InvalidGuest, bench.Bind(tdi, bench.FirmwarePage()));

        var inactive = bench.FirmwarePage();
        Assert.Equal(PspReturnCode.Success, bench.Snp(Firmware.Psp.Mailbox.SnpCommandId.SnpGctxCreate, PspBench.Address(inactive)));
        Assert.Equal(PspReturnCode.InvalidGuestState, bench.Bind(tdi, inactive));
        Assert.Equal(PspReturnCode.InvalidTdiContext, bench.Bind(bench.Buffer(1), guest.Address));
    }

    [Fact]
    public void TdiBind_RunForceBeforeLockAndBadFlags_Refused()
    {
        using var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out _);

        Assert.Equal(PspReturnCode.InvalidTdiState, bench.Bind(tdi, guest.Address, run: TioTdiRunFlags.RunForce));
        Assert.Equal(PspReturnCode.InvalidParam, bench.Bind(tdi, guest.Address, flags: TdispLockFlags.CacheLineSize128));
        Assert.Equal(PspReturnCode.InvalidParam, bench.Bind(tdi, guest.Address, flags: TdispLockFlags.BindP2p));
        Assert.Equal(TdiState.ConfigUnlocked, bench.Device.Tdi.State);
    }

    [Fact]
    public void TdiBind_DeviceRefusesLock_InvalidTdi()
    {
        using var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out _);

        // BAR4 moved over BAR0: LOCK fails on overlapping BARs (TDISP INVALID_DEVICE_CONFIGURATION).
        bench.Device.Config.Write(0x20, (uint)TeeIoTestDevice.Bar0);
        bench.Device.Config.Write(0x24, 0);

        Assert.Equal(PspReturnCode.InvalidTdi, bench.Bind(tdi, guest.Address));
        Assert.Contains("InvalidDeviceConfiguration", bench.Psp.LastDeviceFailure);
    }

    [Fact]
    public void TdiCreate_ErrorCodes()
    {
        using var bench = new PspBench();
        bench.Init();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        bench.CreateTdi(out var beforeConnect);
        Assert.Equal(PspReturnCode.InvalidDeviceState, beforeConnect);

        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.Connect());
        bench.CreateTdi(out var otherDevice, rid: 0x0200);
        Assert.Equal(PspReturnCode.InvalidTdi, otherDevice);
        bench.CreateTdi(out var first);
        Assert.Equal(PspReturnCode.Success, first);
        bench.CreateTdi(out var duplicate);
        Assert.Equal(PspReturnCode.InUse, duplicate);
        Assert.Equal(PspReturnCode.InvalidLength, bench.Run(new TioTdiCreateCommand(bench.DeviceContext, bench.Buffer(2), TdispInterfaceId.Create(0x0101))));
    }

    [Fact]
    public void TdiUnbind_AfterRun_StopsFencesAndClearsTheSdte_FenceClearLiftsIt()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;
        Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, run: TioTdiRunFlags.RunForce));

        Assert.Equal(PspReturnCode.Success, bench.Unbind(tdi, guest.Address));

        Assert.Equal(TdiState.ConfigUnlocked, bench.Device.Tdi.State);
        Assert.Equal(default, bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf));
        var fence = Fence(bench, guest.Asid);
        Assert.Equal(DmaFenceStatus.ErrorFenced, fence.Dma);
        Assert.Equal(MmioFenceStatus.Fenced, fence.Mmio);
        Assert.Equal(PspReturnCode.InvalidTdiState, bench.Unbind(tdi, guest.Address));

        Assert.Equal(PspReturnCode.Success, bench.Run(new TioAsidFenceClearCommand(bench.DeviceContext, guest.Address)));
        fence = Fence(bench, guest.Asid);
        Assert.Equal(DmaFenceStatus.DefaultFenced, fence.Dma);
        Assert.Equal(MmioFenceStatus.NotFenced, fence.Mmio);
    }

    [Fact]
    public void TdiUnbind_NeverRan_NoErrorFence()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        Assert.Equal(PspReturnCode.Success, bench.Unbind(tdi, guest.Address));

        Assert.Equal(DmaFenceStatus.DefaultFenced, Fence(bench, guest.Asid).Dma);
    }

    [Fact]
    public void TdiReclaim_WhileBound_InvalidTdiState_AfterUnbind_Success()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        Assert.Equal(PspReturnCode.InvalidTdiState, bench.Run(new TioTdiReclaimCommand(bench.DeviceContext, tdi)));
        Assert.Equal(PspReturnCode.InUse, bench.Relayed(c => new TioDevDisconnectCommand(TioDevDisconnectFlags.None, c, bench.DeviceContext)));
        Assert.Equal(PspReturnCode.Success, bench.Unbind(tdi, guest.Address));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioTdiReclaimCommand(bench.DeviceContext, tdi)));
        Assert.Equal(PspReturnCode.InvalidTdiContext, bench.Run(new TioTdiReclaimCommand(bench.DeviceContext, tdi)));
    }

    [Fact]
    public void TdiReport_RefetchesAndCountsReports()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioTdiReportCommand(c, bench.DeviceContext, tdi, guest.Address)));

        Assert.Equal(2ul, Info(bench, tdi).InterfaceReportCounter);
    }

    [Fact]
    public void TdiStatus_ConfigWriteWhileLocked_DeviceReportsErrorAndThePspFencesTheGuest()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        bench.Device.Config.Write(0x04, 0);

        Assert.Equal(TsmTdispState.Error, Status(bench, tdi));
        var fence = Fence(bench, guest.Asid);
        Assert.Equal(DmaFenceStatus.ErrorFenced, fence.Dma);
        Assert.Equal(MmioFenceStatus.Fenced, fence.Mmio);
    }

    [Fact]
    public void DevDisconnect_ForceWithBoundTdi_UnbindsLocally()
    {
        var (bench, guest, tdi) = Bound();
        using var _ = bench;

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioDevDisconnectCommand(TioDevDisconnectFlags.Force, c, bench.DeviceContext)));

        Assert.Equal(default, bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioTdiReclaimCommand(bench.DeviceContext, tdi)));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioDevReclaimCommand(bench.DeviceContext)));
    }

    [Fact]
    public void FenceStatus_UnknownAsid_InvalidAsid()
    {
        var (bench, _, _) = Bound();
        using var _b = bench;

        Assert.Equal(PspReturnCode.InvalidAsid, bench.Run(new TioAsidFenceStatusCommand(bench.DeviceContext, 77, bench.DataPage)));
        Assert.Equal(PspReturnCode.InvalidPageState, bench.Run(new TioAsidFenceStatusCommand(bench.DeviceContext, 9, bench.Page())));
    }

    private static AsidFenceStatus Fence(PspBench bench, int asid)
    {
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioAsidFenceStatusCommand(bench.DeviceContext, (uint)asid, bench.DataPage)));
        return AsidFenceStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, AsidFenceStatus.Size));
    }
}
