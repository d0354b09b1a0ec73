using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Cpu;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Host;

/// <summary>
/// The hypervisor's side of the guest's exits (KVM plus VMM): SEV_TIO_GUEST_REQUEST (relay the encrypted message to
/// the PSP, copy the encrypted answer back, hand over certificate, measurement and report blobs with the GUID table;
/// INVALID_LEN when the guest's data buffer is too small, BUSY when requests come too fast), SEV_TIO_OP (BIND, UNBIND,
/// RUN, STOP) and Page State Change.
/// </summary>
internal sealed class TioExitHandler
{
    /// <summary>GHCB error reporting (GHCB spec): SW_EXITINFO1 = 2 and SW_EXITINFO2 = the reason.</summary>
    private const ulong GhcbError = 2;
    private const ulong GhcbErrorInvalidUsage = 3;
    private const ulong GhcbErrorInvalidInput = 4;

    private readonly Hypervisor _host;
    private SimTime? _lastGuestRequest;

    public TioExitHandler(Hypervisor host) => _host = host;

    public long Exits { get; private set; }

    public void Handle(SnpGuest guest, GuestVcpu vcpu, System.Diagnostics.Activity? span = null)
    {
        Exits++;
        var bytes = _host.ReadGuest(guest, vcpu.GhcbGpa, GhcbPage.Size);
        var ghcb = new GhcbPage(bytes);
        try
        {
            var exit = ghcb.ReadExit();
            span?.SetTag(HostTelemetry.ExitCodeAttribute, exit.ExitCode.ToString());
            switch (exit.ExitCode)
            {
                case VmgExitCode.SevTioGuestRequest:
                    GuestRequest(guest, ghcb);
                    break;
                case VmgExitCode.SevTioOp:
                    TioOp(guest, ghcb);
                    break;
                case VmgExitCode.PageStateChange:
                    PageStateChange(guest, vcpu, ghcb);
                    break;
                default:
                    Error(ghcb, GhcbErrorInvalidUsage);
                    break;
            }
        }
        catch (ProtocolFormatException)
        {
            Error(ghcb, GhcbErrorInvalidInput);
        }

        _host.WriteGuest(guest, vcpu.GhcbGpa, bytes);
    }

    private void GuestRequest(SnpGuest guest, GhcbPage ghcb)
    {
        var exit = SevTioGuestRequestExit.Read(ghcb);
        if (!guest.Devices.TryGetValue((ushort)exit.GuestRid, out var tdi))
        {
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult((uint)PspReturnCode.InvalidTdi, VmmError.None));
            return;
        }

        var now = _host.Scheduler.Now;
        if (_host.Options.GuestRequestMinInterval > SimTime.Zero && _lastGuestRequest is { } last && now - last < _host.Options.GuestRequestMinInterval)
        {
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult(0, VmmError.Busy));
            return;
        }

        _lastGuestRequest = now;
        var request = _host.ReadGuest(guest, exit.RequestGpa, SnpGuestMessage.PageSize);
        var header = SnpGuestMessageHeader.Decode(request);
        var link = tdi.Device;
        var param = (TioGuestRequestParam)exit.Param;
        var isInfo = header.MessageType == SnpGuestMessageType.TioTdiInfoRequest;
        byte[] certificates = [], measurements = [], report = [];
        if (isInfo)
        {
            certificates = (param & TioGuestRequestParam.Certificates) != 0 ? link.Certificates ?? [] : [];
            measurements = (param & TioGuestRequestParam.Measurements) != 0 ? link.Measurements ?? [] : [];
            report = (param & TioGuestRequestParam.Report) != 0 ? tdi.Report ?? [] : [];
            if (_host.Options.Misbehaviour.AlterReportBlob is { } alter && report.Length > 0)
            {
                report = alter(report);
            }

            if (_host.Options.Misbehaviour.AlterCertificatesBlob is { } alterCertificates && certificates.Length > 0)
            {
                certificates = alterCertificates(certificates);
            }
        }

        var blobs = certificates.Length + measurements.Length + report.Length > 0;
        var needed = blobs ? TioBlobTable.RequiredSize(certificates, measurements, report) : 0;
        var pagesNeeded = (ulong)((needed + 4095) / 4096);
        if (blobs && exit.DataPages < pagesNeeded)
        {
            // The guest's buffer is too small: tell it how many pages to allocate before the PSP sees the message,
            // so the guest can retry with the same sequence number.
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult(0, VmmError.InvalidLength), pagesNeeded: pagesNeeded);
            return;
        }

        if (tdi.RequestPage == 0)
        {
            tdi.RequestPage = _host.Pages.Allocate();
            tdi.ResponsePage = _host.Psp.DonateFirmwarePage();
        }

        var forwarded = request;
        if (_host.Options.Misbehaviour.ReplayPreviousGuestRequest && tdi.PreviousGuestRequest is { } previous)
        {
            forwarded = previous;
        }
        else if (_host.Options.Misbehaviour.TamperGuestRequest)
        {
            forwarded = (byte[])request.Clone();
            forwarded[SnpGuestMessageHeader.Size] ^= 0x01;
        }

        tdi.PreviousGuestRequest = request;
        _host.Psp.WriteChecked(tdi.RequestPage, forwarded);
        var status = link.GuestRequest(tdi, tdi.RequestPage, tdi.ResponsePage);
        if (status != PspReturnCode.Success)
        {
            SevTioGuestRequestExit.WriteResult(ghcb, new GuestRequestResult((uint)status, VmmError.None));
            return;
        }

        var response = _host.Psp.ReadRaw(tdi.ResponsePage, SnpGuestMessage.PageSize);
        var delivered = _host.Options.Misbehaviour.ReplayPreviousGuestResponse && tdi.PreviousGuestResponse is { } previousResponse ? previousResponse : response;
        tdi.PreviousGuestResponse = response;
        _host.WriteGuest(guest, exit.ResponseGpa, delivered);
        if (blobs)
        {
            var buffer = new byte[needed];
            TioBlobTable.Write(buffer, certificates, measurements, report);
            _host.WriteGuest(guest, exit.DataGpa, buffer);
        }

        var result = exit.Param;
        if (isInfo && (param & TioGuestRequestParam.State) != 0 && link.ReadTdiStatus(tdi, out var state) == PspReturnCode.Success)
        {
            result = (ulong)state;
        }

        SevTioGuestRequestExit.WriteResult(ghcb, GuestRequestResult.Success, result);
    }

    private static void TioOp(SnpGuest guest, GhcbPage ghcb)
    {
        var op = SevTioOpExit.Read(ghcb);
        if (!guest.Devices.TryGetValue((ushort)op.GuestRid, out var tdi))
        {
            SevTioOpExit.WriteResult(ghcb, (ulong)PspReturnCode.InvalidTdi);
            return;
        }

        var link = tdi.Device;
        var status = op.Action switch
        {
            TioOpAction.Bind => link.Bind(tdi),
            TioOpAction.Unbind => link.Unbind(tdi),
            TioOpAction.Run => link.Run(tdi),
            _ => link.Stop(tdi),
        };
        SevTioOpExit.WriteResult(ghcb, (ulong)status, op.Action == TioOpAction.Bind && status == PspReturnCode.Success ? tdi.FirmwareTdiId : null);
    }

    /// <summary>
    /// Page State Change (GHCB spec §4.1.6): each entry's page is RMPUPDATEd private (assigned to the guest at its GPA,
    /// not validated: the guest PVALIDATEs) or shared (hypervisor-owned); cur_entry advances past what was done.
    /// </summary>
    private void PageStateChange(SnpGuest guest, GuestVcpu vcpu, GhcbPage ghcb)
    {
        _host.NextPageStateChange();
        var scratch = ghcb.Get(GhcbField.SwScratch);
        var inGhcb = scratch == vcpu.GhcbGpa + GhcbPage.SharedBufferOffset;
        var bytes = inGhcb ? ghcb.SharedBuffer.ToArray() : _host.ReadGuest(guest, scratch, GhcbPage.SharedBufferSize);
        var descriptor = PageStateChangeDescriptor.Decode(bytes);
        var current = descriptor.CurrentEntry;
        var failed = false;
        for (; current <= descriptor.EndEntry; current++)
        {
            var entry = descriptor.Entries[current];
            var gpa = entry.Gfn << 12;
            if (entry.Is2M || entry.Operation is not (PageStateOperation.Private or PageStateOperation.Shared)
                || !guest.Map.TryTranslate(gpa, out var spa, out _))
            {
                failed = true;
                break;
            }

            _host.Scheduler.Advance(_host.Timing.RmpUpdate);
            var state = entry.Operation == PageStateOperation.Private ? RmpUpdateState.Guest(guest.Asid, gpa) : RmpUpdateState.Hypervisor();
            if (_host.Rmp.RmpUpdate(spa, state) != RmpStatus.Success)
            {
                failed = true;
                break;
            }

            _host.Options.Iommu.InvalidateGuestPages(guest.Asid, gpa, 4096);
        }

        var done = descriptor with { CurrentEntry = current };
        if (inGhcb)
        {
            done.Encode(ghcb.SharedBuffer);
        }
        else
        {
            var encoded = new byte[GhcbPage.SharedBufferSize];
            var length = done.Encode(encoded);
            _host.WriteGuest(guest, scratch, encoded.AsSpan(0, length));
        }

        ghcb.Set(GhcbField.SwExitInfo2, failed ? 1UL : 0UL);
    }

    private static void Error(GhcbPage ghcb, ulong reason)
    {
        ghcb.Set(GhcbField.SwExitInfo1, GhcbError);
        ghcb.Set(GhcbField.SwExitInfo2, reason);
    }
}
