using SevTio.Hw.Cpu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Guest.Tests.Fakes;

/// <summary>What the fake hypervisor does wrong, on purpose.</summary>
[Flags]
public enum HostMisbehaviour
{
    None = 0,

    /// <summary>Flips a byte of the interface report it hands the guest.</summary>
    AlterReport = 1 << 0,

    /// <summary>Hands the guest an old report (another MSI-X message control) instead of the current one.</summary>
    StaleReport = 1 << 1,

    /// <summary>Hands the guest another device's certificate chain.</summary>
    ForeignCertificates = 1 << 2,

    /// <summary>Hands over no report blob.</summary>
    DropReport = 1 << 3,

    /// <summary>Answers a guest request with the response page of an earlier one.</summary>
    ReplayResponse = 1 << 4,

    /// <summary>Flips a ciphertext bit of the PSP's response.</summary>
    TamperResponse = 1 << 5,

    /// <summary>Writes a blob table whose entries overlap.</summary>
    OverlappingBlobTable = 1 << 6,
}

/// <summary>
/// The hypervisor's VMGEXIT handling for the guest tests (KVM + the VMM, reduced): page-state changes (RMPUPDATE),
/// SEV_TIO_OP (bind: RMPUPDATE of the BAR pages to the guest, TDISP LOCK; run; stop; unbind) and
/// SEV_TIO_GUEST_REQUEST (the blob table in the guest's data pages, INVALID_LEN and BUSY, relay to the PSP). It reads
/// and writes the guest's GHCB and shared pages through host memory, and never holds a key.
/// </summary>
internal sealed class FakeHypervisor : IVmgExitHandler
{
    private readonly GuestTestPlatform _platform;
    private byte[]? _capturedResponse;

    public FakeHypervisor(GuestTestPlatform platform) => _platform = platform;

    public HostMisbehaviour Misbehaviour { get; set; }

    /// <summary>Answer this many guest requests with BUSY before serving one.</summary>
    public int BusyAnswers { get; set; }

    /// <summary>Ask for this many data pages (INVALID_LEN) once, even if the buffer is big enough.</summary>
    public long ForceInvalidLengthPages { get; set; }

    /// <summary>PSC entries processed per exit (the guest re-issues until all are done); 0 = all.</summary>
    public int PscEntriesPerExit { get; set; }

    /// <summary>Firmware error returned for a TIO_OP action.</summary>
    public Dictionary<TioOpAction, ulong> OpErrors { get; } = [];

    public SimTime BindCost { get; set; } = SimTime.FromMicroseconds(1_500);

    public SimTime RunCost { get; set; } = SimTime.FromMicroseconds(800);

    public SimTime StopCost { get; set; } = SimTime.FromMicroseconds(400);

    public SimTime UnbindCost { get; set; } = SimTime.FromMicroseconds(900);

    public SimTime RmpUpdateCost { get; set; } = SimTime.FromNanoseconds(200);

    public Dictionary<VmgExitCode, int> ExitCounts { get; } = [];

    public List<TioOpAction> Operations { get; } = [];

    public List<(SnpGuestMessageType Type, ulong Param, long DataPages)> GuestRequests { get; } = [];

    public void HandleVmgExit(GuestVcpu vcpu)
    {
        var page = _platform.HostRead(vcpu.GhcbGpa, GhcbPage.Size);
        var ghcb = new GhcbPage(page);
        var exit = ghcb.ReadExit();
        ExitCounts[exit.ExitCode] = ExitCounts.GetValueOrDefault(exit.ExitCode) + 1;
        switch (exit.ExitCode)
        {
            case VmgExitCode.PageStateChange:
                PageStateChange(vcpu, ghcb);
                break;
            case VmgExitCode.SevTioOp:
                TioOp(ghcb);
                break;
            case VmgExitCode.SevTioGuestRequest:
                GuestRequest(ghcb);
                break;
            default:
                throw new InvalidOperationException($"unexpected exit 0x{(ulong)exit.ExitCode:X}");
        }

        Assert.True(_platform.HostWrite(vcpu.GhcbGpa, page), "the GHCB must be a shared page");
    }

    private void PageStateChange(GuestVcpu vcpu, GhcbPage ghcb)
    {
        Assert.Equal(vcpu.GhcbGpa + GhcbPage.SharedBufferOffset, ghcb.Get(GhcbField.SwScratch));
        var descriptor = PageStateChangeDescriptor.Decode(ghcb.SharedBuffer);
        var current = (int)descriptor.CurrentEntry;
        var budget = PscEntriesPerExit == 0 ? int.MaxValue : PscEntriesPerExit;
        for (; current <= descriptor.EndEntry && budget-- > 0; current++)
        {
            var entry = descriptor.Entries[current];
            var gpa = entry.Gfn << PhysicalMemory.PageShift;
            var spa = _platform.Translate(gpa);
            var state = entry.Operation == PageStateOperation.Shared ? RmpUpdateState.Hypervisor() : RmpUpdateState.Guest(GuestTestPlatform.Asid, gpa);
            _platform.Scheduler.Advance(RmpUpdateCost);
            if (_platform.Rmp.RmpUpdate(spa, state) != RmpStatus.Success)
            {
                ghcb.Set(GhcbField.SwExitInfo2, 1);
                return;
            }
        }

        (descriptor with { CurrentEntry = (ushort)current }).Encode(ghcb.SharedBuffer);
        ghcb.Set(GhcbField.SwExitInfo2, 0);
    }

    private void TioOp(GhcbPage ghcb)
    {
        var op = SevTioOpExit.Read(ghcb);
        Operations.Add(op.Action);
        Assert.Equal(GuestTestPlatform.DeviceAddress.RequesterId, op.GuestRid);
        if (OpErrors.TryGetValue(op.Action, out var error))
        {
            SevTioOpExit.WriteResult(ghcb, error);
            return;
        }

        var device = _platform.Device;
        var psp = _platform.Psp;
        switch (op.Action)
        {
            case TioOpAction.Bind:
                _platform.Scheduler.Advance(BindCost);
                AssignBars(toGuest: true);
                device.State = TsmTdispState.ConfigLocked;
                psp.Bound = true;
                SevTioOpExit.WriteResult(ghcb, 0, psp.TdiId);
                return;
            case TioOpAction.Run:
                _platform.Scheduler.Advance(RunCost);
                device.State = TsmTdispState.Run;
                break;
            case TioOpAction.Stop:
                _platform.Scheduler.Advance(StopCost);
                device.State = TsmTdispState.ConfigUnlocked;
                break;
            case TioOpAction.Unbind:
                _platform.Scheduler.Advance(UnbindCost);
                device.State = TsmTdispState.ConfigUnlocked;
                psp.Bound = false;
                _platform.Iommu.ClearSecureDeviceTableEntry(GuestTestPlatform.DeviceAddress.RequesterId);
                AssignBars(toGuest: false);
                break;
        }

        SevTioOpExit.WriteResult(ghcb, 0);
    }

    private void GuestRequest(GhcbPage ghcb)
    {
        var request = SevTioGuestRequestExit.Read(ghcb);
        var requestPage = _platform.HostRead(request.RequestGpa, 4096);
        var header = SnpGuestMessage.Read(requestPage).Header;
        GuestRequests.Add((header.MessageType, request.Param, (long)request.DataPages));
        if (BusyAnswers > 0)
        {
            BusyAnswers--;
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult(0, VmmError.Busy));
            return;
        }

        var isInfo = header.MessageType == SnpGuestMessageType.TioTdiInfoRequest;
        var (certificates, measurements, report) = isInfo ? Blobs((TioGuestRequestParam)request.Param) : ([], [], []);
        if (isInfo && request.DataGpa != 0)
        {
            var needed = (long)((TioBlobTable.RequiredSize(certificates, measurements, report) + 4095) / 4096);
            if (ForceInvalidLengthPages > 0)
            {
                needed = ForceInvalidLengthPages;
                ForceInvalidLengthPages = 0;
            }

            if ((long)request.DataPages < needed)
            {
                SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult(0, VmmError.InvalidLength), pagesNeeded: (ulong)needed);
                return;
            }
        }

        var responsePage = new byte[4096];
        var firmware = _platform.Psp.Handle(requestPage, responsePage);
        if (firmware != 0)
        {
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult(firmware, VmmError.None));
            return;
        }

        var captured = _capturedResponse;
        _capturedResponse = responsePage;
        if ((Misbehaviour & HostMisbehaviour.ReplayResponse) != 0 && captured is not null)
        {
            responsePage = captured;
        }

        if ((Misbehaviour & HostMisbehaviour.TamperResponse) != 0)
        {
            responsePage[SnpGuestMessageHeader.Size + 3] ^= 0x10;
        }

        Assert.True(_platform.HostWrite(request.ResponseGpa, responsePage));
        if (isInfo && request.DataGpa != 0)
        {
            var buffer = new byte[request.DataPages * 4096];
            TioBlobTable.Write(buffer, certificates, measurements, report);
            if ((Misbehaviour & HostMisbehaviour.OverlappingBlobTable) != 0)
            {
                new TioBlobTable([new TioBlobEntry(TioBlobGuids.Report, 100, 200), new TioBlobEntry(TioBlobGuids.Certificates, 150, 200)]).Encode(buffer);
            }

            Assert.True(_platform.HostWrite(request.DataGpa, buffer));
        }

        var param = isInfo ? (ulong)_platform.Device.State : request.Param;
        SevTioGuestRequestExit.WriteResult(ghcb, GuestRequestResult.Success, param);
    }

    /// <summary>The blobs this host hands over for TDI_INFO: the device's, unless it misbehaves.</summary>
    private (byte[] Certificates, byte[] Measurements, byte[] Report) Blobs(TioGuestRequestParam param)
    {
        var device = _platform.Device;
        var report = device.ReportBytes;
        if ((Misbehaviour & HostMisbehaviour.AlterReport) != 0)
        {
            report[8] ^= 0x01; // TPH_CONTROL: still a well-formed report
        }

        if ((Misbehaviour & HostMisbehaviour.StaleReport) != 0)
        {
            report = FakeTdiDevice.DefaultReport(device.ReportingOffset, msixMessageControl: 0x0001).Encode();
        }

        if ((Misbehaviour & HostMisbehaviour.DropReport) != 0)
        {
            report = [];
        }

        var certificates = device.Certificates;
        if ((Misbehaviour & HostMisbehaviour.ForeignCertificates) != 0)
        {
            certificates = new byte[certificates.Length];
            new Random(99).NextBytes(certificates);
        }

        return (
            (param & TioGuestRequestParam.Certificates) != 0 ? certificates : [],
            (param & TioGuestRequestParam.Measurements) != 0 ? device.Measurements : [],
            (param & TioGuestRequestParam.Report) != 0 ? report : []);
    }

    /// <summary>Bind: the BAR pages become the guest's (RMPUPDATE, not validated); unbind: back to the hypervisor.</summary>
    private void AssignBars(bool toGuest)
    {
        foreach (var (gpa, size) in new[] { (GuestTestPlatform.Bar0Gpa, GuestTestPlatform.Bar0Size), (GuestTestPlatform.Bar2Gpa, GuestTestPlatform.Bar2Size) })
        {
            for (ulong offset = 0; offset < size; offset += PhysicalMemory.PageSize)
            {
                var state = toGuest ? RmpUpdateState.Guest(GuestTestPlatform.Asid, gpa + offset) : RmpUpdateState.Hypervisor();
                Assert.Equal(RmpStatus.Success, _platform.Rmp.RmpUpdate(_platform.Translate(gpa + offset), state));
            }
        }
    }
}
