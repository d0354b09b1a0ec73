using System.Diagnostics;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Iommu;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The TDI commands: TDI_CREATE/RECLAIM, TDI_BIND (TDISP LOCK_INTERFACE and the report; with RUN_FORCE,
/// START_INTERFACE), TDI_UNBIND (STOP_INTERFACE), TDI_REPORT, TDI_STATUS and TDI_INFO.
/// </summary>
internal sealed class TioTdiCommands
{
    private readonly PspFirmware _psp;

    public TioTdiCommands(PspFirmware psp) => _psp = psp;

    private TioDeviceCommands DeviceCommands => _psp.DeviceCommands;

    public PspReturnCode Create(TioTdiCreateCommand command)
    {
        var contextPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (device.State != TioDeviceState.Connected || device.Pending is not null)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        var pages = new List<ulong>();
        var touched = new List<ulong>();
        status = _psp.Memory.Gather(command.TdiContext, PageOwnerRequirement.Firmware, pages, touched);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (pages.Count != _psp.Options.TdiContextPages)
        {
            return PspReturnCode.InvalidLength;
        }

        status = _psp.CheckBufferPages(touched, contextPages);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        // A TDI is a function of the device: same bus and device number, and the device's segment when one is named.
        var id = command.InterfaceId;
        if ((id.RequesterId >> 3) != (device.DeviceId >> 3) || (id.SegmentValid && id.Segment != device.Segment))
        {
            return PspReturnCode.InvalidTdi;
        }

        if (device.Tdis.Values.Any(t => t.InterfaceId.RequesterId == id.RequesterId))
        {
            return PspReturnCode.InUse;
        }

        var handle = command.TdiContext.PhysicalAddress;
        var tdi = new TioTdiContext(handle, pages.ToArray(), touched.ToArray(), device, id);
        device.Tdis.Add(handle, tdi);
        _psp.Tdis.Add(handle, tdi);
        _psp.Hold(tdi.AllPages, tdi);
        _psp.WriteTdiContextImage(tdi.Pages, handle);
        return PspReturnCode.Success;
    }

    public PspReturnCode Reclaim(TioTdiReclaimCommand command)
    {
        var contextPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status == PspReturnCode.Success)
        {
            status = _psp.FindTdi(device, command.TdiContext, contextPages, out var tdi);
            if (status == PspReturnCode.Success)
            {
                if (tdi.Binding != TioTdiBinding.Unbound)
                {
                    return PspReturnCode.InvalidTdiState;
                }

                device.Tdis.Remove(tdi.Handle);
                _psp.Tdis.Remove(tdi.Handle);
                _psp.Release(tdi.AllPages);
                _psp.Memory.ClearPages(tdi.Pages);
            }
        }

        return status;
    }

    public PspReturnCode Bind(TioTdiBindCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.TdiContext, command.SpdmControl, command.GuestContextAddress, out var device, out var tdi, out var guest, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioTdiBind, "TIO_TDI_BIND", caller, device, buffers, op =>
        {
            if (device.State != TioDeviceState.Connected)
            {
                return (PspReturnCode.InvalidDeviceState, null);
            }

            // SEV-TIO binds with a 64-byte cache line and without peer-to-peer.
            if ((command.LockFlags & (TdispLockFlags.CacheLineSize128 | TdispLockFlags.BindP2p)) != 0)
            {
                return (PspReturnCode.InvalidParam, null);
            }

            if ((command.RunFlags & TioTdiRunFlags.RunForce) != 0)
            {
                if (tdi.Binding != TioTdiBinding.Bound)
                {
                    return (PspReturnCode.InvalidTdiState, null);
                }

                return tdi.Guest != guest ? (PspReturnCode.InvalidGuest, null) : (PspReturnCode.Success, StartSteps(device, tdi, op));
            }

            if (tdi.Binding != TioTdiBinding.Unbound)
            {
                return (PspReturnCode.InvalidTdiState, null);
            }

            if (_psp.Tdis.Values.Any(t => t.Guest == guest && t.GuestDeviceId == command.GuestDeviceId))
            {
                return (PspReturnCode.InUse, null);
            }

            return (PspReturnCode.Success, LockSteps(device, tdi, guest, command, op));
        });
    }

    private IEnumerable<SpdmTransportMessage> LockSteps(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, TioTdiBindCommand command, DeviceOperation op)
    {
        var tdisp = new TdispRequester(device.Connection!.Session!, tdi.InterfaceId, _psp.Options.ReportChunkLength);
        if (!device.TdispProbed)
        {
            tdisp.GetVersion().GetCapabilities();
            foreach (var request in _psp.Relay(tdisp, op))
            {
                yield return request;
            }

            if (!Succeeded(tdisp, op))
            {
                yield break;
            }

            device.TdispProbed = true;
        }

        var lockPhase = _psp.BeginPhase("tdisp.lock_interface", op);
        tdisp.LockInterface(command.LockFlags, device.StreamIds[0], mmioReportingOffset: 0);
        foreach (var request in _psp.Relay(tdisp, op))
        {
            yield return request;
        }

        var lockTime = _psp.EndPhase(lockPhase);
        if (!Succeeded(tdisp, op))
        {
            yield break;
        }

        tdi.LastState = TdiState.ConfigLocked;
        tdi.StartNonce = tdisp.StartInterfaceNonce;

        var reportPhase = _psp.BeginPhase("tdisp.get_report", op);
        tdisp.GetDeviceInterfaceReport();
        foreach (var request in _psp.Relay(tdisp, op))
        {
            yield return request;
        }

        var reportTime = _psp.EndPhase(reportPhase);
        if (!Succeeded(tdisp, op))
        {
            yield break;
        }

        SaveReport(tdi, tdisp);
        tdi.Binding = TioTdiBinding.Bound;
        tdi.Guest = guest;
        tdi.PreviousGuest = null;
        tdi.GuestDeviceId = command.GuestDeviceId;
        tdi.LockFlags = command.LockFlags;
        tdi.HasRun = false;

        // The sDTE names the guest (ASID, its device id, the stream, the root port); the guest turns trusted DMA on
        // (V, IR, IW, vTOM) with SDTE_WRITE once it has accepted the device.
        var sdte = default(SecureDeviceTableEntry);
        sdte.Asid = guest.Asid;
        sdte.GuestDeviceId = command.GuestDeviceId;
        sdte.GuestId = guest.Asid;
        sdte.GuestIdMustBeOne = true;
        sdte.RootPortId = device.RootPortId & 0x1F;
        for (var tc = 0; tc < IdeStreamIds.Length; tc++)
        {
            sdte.SetIdeStreamId(tc, device.StreamIds[tc]);
        }

        _psp.Scheduler.Advance(_psp.Timing.SdteWrite);
        _psp.Iommu.WriteSecureDeviceTableEntry(tdi.InterfaceId.RequesterId, in sdte);
        _psp.Phases = _psp.Phases with { LockInterface = lockTime, InterfaceReport = reportTime };
        op.Output = new DeviceOutput(DataObjectId.Report, DeviceObjectType.Primary, tdi.Report!);
    }

    private IEnumerable<SpdmTransportMessage> StartSteps(TioDeviceContext device, TioTdiContext tdi, DeviceOperation op)
    {
        var tdisp = new TdispRequester(device.Connection!.Session!, tdi.InterfaceId, _psp.Options.ReportChunkLength);
        var phase = _psp.BeginPhase("tdisp.start_interface", op);
        tdisp.StartInterface(tdi.StartNonce);
        foreach (var request in _psp.Relay(tdisp, op))
        {
            yield return request;
        }

        var time = _psp.EndPhase(phase);
        if (!Succeeded(tdisp, op))
        {
            yield break;
        }

        tdi.StartNonce = null;
        tdi.Binding = TioTdiBinding.Running;
        tdi.LastState = TdiState.Run;
        tdi.HasRun = true;
        var fence = device.FenceOf(tdi.Guest!.Asid);
        if (fence.Dma == DmaFenceStatus.DefaultFenced)
        {
            fence.Dma = DmaFenceStatus.NotFenced;
        }

        _psp.Phases = _psp.Phases with { StartInterface = time };
        op.Output = new DeviceOutput(DataObjectId.Report, DeviceObjectType.Primary, tdi.Report!);
    }

    public PspReturnCode Unbind(TioTdiUnbindCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.TdiContext, command.SpdmControl, command.GuestContextAddress, out var device, out var tdi, out var guest, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var force = (command.Flags & TioTdiUnbindFlags.Force) != 0;
        return _psp.RunDeviceOperation(PspCommandId.TioTdiUnbind, "TIO_TDI_UNBIND", caller, device, buffers, op =>
        {
            if (tdi.Binding == TioTdiBinding.Unbound)
            {
                return (PspReturnCode.InvalidTdiState, null);
            }

            return tdi.Guest != guest ? (PspReturnCode.InvalidGuest, null) : (PspReturnCode.Success, UnbindSteps(device, tdi, guest, op, force));
        });
    }

    private IEnumerable<SpdmTransportMessage> UnbindSteps(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, DeviceOperation op, bool force)
    {
        var stopped = false;
        if (device.Connection?.Session is { State: SpdmSessionState.Established } session)
        {
            var tdisp = new TdispRequester(session, tdi.InterfaceId).StopInterface();
            foreach (var request in _psp.Relay(tdisp, op))
            {
                yield return request;
            }

            stopped = tdisp.Status == SpdmFlowStatus.Completed;
            if (!stopped && !force)
            {
                Succeeded(tdisp, op);
                yield break;
            }
        }
        else if (!force)
        {
            op.Result = PspReturnCode.InvalidDeviceState;
            yield break;
        }

        Scrub(_psp, tdi, guest);
        if (tdi.HasRun)
        {
            DeviceCommands.Fence(device, guest);
        }

        tdi.PreviousGuest = guest;
        tdi.Guest = null;
        tdi.Binding = TioTdiBinding.Unbound;
        tdi.StartNonce = null;
        tdi.HasRun = false;
        if (stopped)
        {
            tdi.LastState = TdiState.ConfigUnlocked;
        }
    }

    public PspReturnCode Report(TioTdiReportCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.TdiContext, command.SpdmControl, command.GuestContextAddress, out var device, out var tdi, out var guest, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioTdiReport, "TIO_TDI_REPORT", caller, device, buffers, op =>
        {
            if (tdi.Binding == TioTdiBinding.Unbound || device.State != TioDeviceState.Connected)
            {
                return (PspReturnCode.InvalidTdiState, null);
            }

            return tdi.Guest != guest ? (PspReturnCode.InvalidGuest, null) : (PspReturnCode.Success, ReportSteps(device, tdi, op));
        });
    }

    private IEnumerable<SpdmTransportMessage> ReportSteps(TioDeviceContext device, TioTdiContext tdi, DeviceOperation op)
    {
        var tdisp = new TdispRequester(device.Connection!.Session!, tdi.InterfaceId, _psp.Options.ReportChunkLength);
        var phase = _psp.BeginPhase("tdisp.get_report", op);
        tdisp.GetDeviceInterfaceReport();
        foreach (var request in _psp.Relay(tdisp, op))
        {
            yield return request;
        }

        _psp.EndPhase(phase);
        if (!Succeeded(tdisp, op))
        {
            yield break;
        }

        SaveReport(tdi, tdisp);
        op.Output = new DeviceOutput(DataObjectId.Report, DeviceObjectType.Primary, tdi.Report!);
    }

    public PspReturnCode Status(TioTdiStatusCommand command, ActivityContext caller)
    {
        var contextPages = new List<ulong>();
        var bufferPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.FindTdi(device, command.TdiContext, contextPages, out var tdi);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.GatherSpdmBuffers(command.SpdmControl, bufferPages, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.Memory.CheckPage(command.StatusAddress, PageOwnerRequirement.Firmware);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        bufferPages.Add(command.StatusAddress);
        status = _psp.CheckBufferPages(bufferPages, contextPages);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioTdiStatus, "TIO_TDI_STATUS", caller, device, buffers, op =>
            device.State != TioDeviceState.Connected
                ? (PspReturnCode.InvalidDeviceState, null)
                : (PspReturnCode.Success, StatusSteps(device, tdi, command.StatusAddress, op)));
    }

    private IEnumerable<SpdmTransportMessage> StatusSteps(TioDeviceContext device, TioTdiContext tdi, ulong statusAddress, DeviceOperation op)
    {
        var tdisp = new TdispRequester(device.Connection!.Session!, tdi.InterfaceId).GetDeviceInterfaceState();
        foreach (var request in _psp.Relay(tdisp, op))
        {
            yield return request;
        }

        if (!Succeeded(tdisp, op))
        {
            yield break;
        }

        var state = tdisp.TdiState!.Value;
        tdi.LastState = state;
        if (state == TdiState.Error && tdi.Binding != TioTdiBinding.Unbound && tdi.Guest is { } guest)
        {
            // The device left LOCKED/RUN on its own (config write, FLR, stream Insecure): fence the guest.
            DeviceCommands.Fence(device, guest);
        }

        var page = new byte[TioTdiStatus.Size];
        new TioTdiStatus((TsmTdispState)state).Encode(page);
        _psp.Memory.Write(statusAddress, page);
    }

    public PspReturnCode Info(TioTdiInfoCommand command)
    {
        var contextPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.FindTdi(device, command.TdiContext, contextPages, out var tdi);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = DeviceCommands.CheckOutputPage(command.StatusAddress);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var page = new byte[TioTdiInfo.Size];
        new TioTdiInfo(
            tdi.InterfaceId,
            device.MeasurementFlags,
            (byte)tdi.LastState,
            tdi.LockFlags,
            device.State == TioDeviceState.Connected ? TioSpdmAlgorithms.Default : default,
            device.CertificatesDigest,
            device.MeasurementsDigest,
            tdi.ReportDigest,
            tdi.ReportCounter,
            (uint)(tdi.Guest?.Asid ?? 0)).Encode(page);
        _psp.Memory.Write(command.StatusAddress, page);
        return PspReturnCode.Success;
    }

    /// <summary>
    /// Takes trusted access away from a TDI's guest: the sDTE is cleared (no T=1 DMA), and every validated page of the
    /// reported TEE ranges that the guest owns loses RMP Validated (no private MMIO).
    /// </summary>
    public static void Scrub(PspFirmware psp, TioTdiContext tdi, SnpGuestContext guest)
    {
        psp.Scheduler.Advance(psp.Timing.SdteWrite);
        psp.Iommu.ClearSecureDeviceTableEntry(tdi.InterfaceId.RequesterId);
        if (tdi.ParsedReport is not { } report)
        {
            return;
        }

        foreach (var range in report.MmioRanges)
        {
            if ((range.Attributes & TdispMmioRangeAttributes.IsNonTeeMem) != 0)
            {
                continue;
            }

            for (ulong i = 0; i < range.NumberOfPages; i++)
            {
                var page = range.FirstPage + (i * PspMemory.PageSize);
                if (!psp.Memory.Rmp.IsCovered(page))
                {
                    continue;
                }

                var entry = psp.Memory.ReadEntry(page);
                if (entry.Assigned && entry.Asid == guest.Asid && entry.Validated)
                {
                    psp.Memory.WriteEntry(page, entry.WithValidated(false));
                }
            }
        }
    }

    private void SaveReport(TioTdiContext tdi, TdispRequester tdisp)
    {
        tdi.Report = tdisp.InterfaceReportBytes;
        tdi.ParsedReport = tdisp.InterfaceReport;
        _psp.Scheduler.Advance(_psp.Timing.Sha384(tdi.Report!.Length));
        tdi.ReportDigest = PspFirmware.Digest(tdi.Report);
        tdi.ReportCounter++;
    }

    /// <summary>Maps a failed TDISP exchange: the device refused the state (INVALID_TDI_STATE) or the request (INVALID_TDI); anything else is SPDM_ERROR.</summary>
    private bool Succeeded(TdispRequester tdisp, DeviceOperation op)
    {
        if (tdisp.Status == SpdmFlowStatus.Completed)
        {
            return true;
        }

        _psp.LastDeviceFailure = tdisp.Failure?.ToString();
        op.Result = tdisp.Failure?.Reason == SpdmFailureReason.TdispError
            ? tdisp.LastError?.ErrorCode == TdispErrorCode.InvalidInterfaceState ? PspReturnCode.InvalidTdiState : PspReturnCode.InvalidTdi
            : PspReturnCode.SpdmError;
        op.Span?.SetTag("sevtio.spdm.failure", tdisp.Failure?.ToString());
        return false;
    }

    private PspReturnCode Prepare(
        ScatterListAddress deviceContext,
        ScatterListAddress tdiContext,
        SpdmControl control,
        ulong guestContext,
        out TioDeviceContext device,
        out TioTdiContext tdi,
        out SnpGuestContext guest,
        out SpdmBuffers buffers)
    {
        var contextPages = new List<ulong>();
        var bufferPages = new List<ulong>();
        tdi = null!;
        guest = null!;
        buffers = null!;
        var status = _psp.FindDevice(deviceContext, contextPages, out device);
        if (status == PspReturnCode.Success)
        {
            status = _psp.FindTdi(device, tdiContext, contextPages, out tdi);
        }

        if (status == PspReturnCode.Success)
        {
            status = _psp.FindGuest(guestContext, contextPages, out guest);
        }

        if (status == PspReturnCode.Success)
        {
            status = _psp.GatherSpdmBuffers(control, bufferPages, out buffers);
        }

        return status == PspReturnCode.Success ? _psp.CheckBufferPages(bufferPages, contextPages) : status;
    }
}
