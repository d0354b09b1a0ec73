using SevTio.Host.Tests.Support;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;

namespace SevTio.Host.Tests.Snp;

/// <summary>
/// The hypervisor's answers to the guest's exits: INVALID_LEN with the pages needed (before the PSP sees the message,
/// so the guest retries with the same sequence number), BUSY when requests come too fast, errors for an unknown device,
/// and Page State Change in both directions.
/// </summary>
public sealed class GhcbExitTests
{
    private static HostBench Bound(SimTime minInterval = default)
    {
        var bench = new HostBench(guestRequestMinInterval: minInterval);
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        return bench;
    }

    [Fact]
    public void GuestRequest_DataBufferTooSmall_InvalidLenWithPagesNeededThenRetrySucceeds()
    {
        using var bench = Bound();
        var all = (ulong)(TioGuestRequestParam.Certificates | TioGuestRequestParam.Measurements | TioGuestRequestParam.Report);
        var needed = TioBlobTable.TableSize + bench.Link.Certificates!.Length + bench.Link.Measurements!.Length + bench.Tdi.Report!.Length;

        var tooSmall = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid), all, dataPages: 0);

        Assert.Equal(VmmError.InvalidLength, tooSmall.Result.VmmError);
        Assert.Equal((ulong)((needed + 4095) / 4096), tooSmall.Rbx);
        Assert.Equal(0u, bench.Kernel.Counter);
        var retry = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid), all, dataPages: (int)tooSmall.Rbx);
        Assert.True(retry.Result.IsSuccess);
        var (table, _) = bench.Kernel.ReadBlobs((int)tooSmall.Rbx);
        Assert.Equal(3, table.Entries.Count);
    }

    [Fact]
    public void GuestRequest_TooSoonAfterTheLast_BusyThenAcceptedLater()
    {
        using var bench = Bound(SimTime.FromMilliseconds(1));
        Assert.True(bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid)).Result.IsSuccess);

        var busy = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid));

        Assert.Equal(VmmError.Busy, busy.Result.VmmError);
        bench.Platform.Scheduler.Advance(SimTime.FromMilliseconds(1));
        Assert.True(bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid)).Result.IsSuccess);
        Assert.Equal(4u, bench.Kernel.Counter);
    }

    [Fact]
    public void GuestRequestAndTioOp_UnknownDevice_FirmwareErrorInvalidTdi()
    {
        using var bench = Bound();

        Assert.Equal((uint)PspReturnCode.InvalidTdi, bench.Kernel.Request(new TdiInfoRequest(0x99), guestRid: 0x99).Result.FirmwareError);
        Assert.Equal((ulong)PspReturnCode.InvalidTdi, bench.Kernel.TioOp(TioOpAction.Bind, guestRid: 0x99).FirmwareError);
    }

    [Fact]
    public void TioOp_RunBeforeBind_InvalidTdiState_BindTwice_InvalidTdiState()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());

        Assert.Equal((ulong)PspReturnCode.InvalidTdiState, bench.Kernel.TioOp(TioOpAction.Run).FirmwareError);
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        Assert.Equal((ulong)PspReturnCode.InvalidTdiState, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
    }

    [Fact]
    public void PageStateChange_PrivateToSharedAndBack_RmpFollows()
    {
        using var bench = new HostBench();
        var guest = bench.Guest;
        Assert.True(guest.Map.TryTranslate(0x8000, out var spa, out _));

        Psc(bench, PageStateOperation.Shared, 0x8000);
        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(spa).Owner);
        Assert.True(bench.Hypervisor.WriteGuest(guest, 0x8000, [1, 2, 3]));

        Psc(bench, PageStateOperation.Private, 0x8000);
        var entry = bench.Platform.Rmp.ReadEntry(spa);
        Assert.True(entry.Assigned && entry.Asid == guest.Asid && entry.Gpa == 0x8000 && !entry.Validated);
    }

    private static void Psc(HostBench bench, PageStateOperation operation, ulong gpa)
    {
        var page = new byte[GhcbPage.Size];
        var ghcb = new GhcbPage(page);
        var descriptor = PageStateChangeDescriptor.Create([new PageStateChangeEntry(0, gpa >> 12, operation, false)]);
        descriptor.Encode(ghcb.SharedBuffer);
        ghcb.Set(GhcbField.SwScratch, bench.Guest.GhcbGpa + GhcbPage.SharedBufferOffset);
        ghcb.WriteExit(VmgExitCode.PageStateChange, 0, 0);
        Assert.True(bench.Guest.Memory.Write(bench.Guest.GhcbGpa, page, encrypted: false).Succeeded);

        bench.Guest.Vcpu.VmgExit();

        var after = new byte[GhcbPage.Size];
        Assert.True(bench.Guest.Memory.Read(bench.Guest.GhcbGpa, after, encrypted: false).Succeeded);
        var answer = new GhcbPage(after);
        Assert.Equal(0ul, answer.GetRaw(GhcbField.SwExitInfo2));
        Assert.Equal(1, PageStateChangeDescriptor.Decode(answer.SharedBuffer).CurrentEntry);
    }

    [Fact]
    public void UnsupportedExit_GhcbErrorInvalidUsage()
    {
        using var bench = new HostBench();
        var page = new byte[GhcbPage.Size];
        new GhcbPage(page).WriteExit(VmgExitCode.SnpGuestRequest, 0, 0);
        Assert.True(bench.Guest.Memory.Write(bench.Guest.GhcbGpa, page, encrypted: false).Succeeded);

        bench.Guest.Vcpu.VmgExit();

        Assert.True(bench.Guest.Memory.Read(bench.Guest.GhcbGpa, page, encrypted: false).Succeeded);
        Assert.Equal(2ul, new GhcbPage(page).GetRaw(GhcbField.SwExitInfo1));
        Assert.Equal(3ul, new GhcbPage(page).GetRaw(GhcbField.SwExitInfo2));
    }
}
