using System.Diagnostics;
using System.Security.Cryptography;
using SevTio.Firmware.DeviceSecurityManager.Binding;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Ide;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The platform and device commands: TIO_STATUS, TIO_INIT, DEV_CREATE/RECLAIM/CONNECT/DISCONNECT/STATUS/MEASUREMENTS/
/// CERTIFICATES, ROLL_KEY and the ASID fences, plus the root-port IDE events that land in the PSP.
/// </summary>
internal sealed class TioDeviceCommands
{
    private const int SubStreams = 3;

    private readonly PspFirmware _psp;

    public TioDeviceCommands(PspFirmware psp) => _psp = psp;

    private PspTiming Timing => _psp.Timing;

    public PspReturnCode Status(TioStatusCommand command)
    {
        var status = CheckOutputPage(command.StatusAddress);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var options = _psp.Options;
        var minBytes = (uint)(options.SpdmBufferMinPages * PspMemory.PageSize);
        var maxBytes = (uint)(options.SpdmBufferMaxPages * PspMemory.PageSize);
        var flags = TioStatusFlags.TioEnabled | (_psp.TioInitialized ? TioStatusFlags.TioInitDone : 0);
        var page = new byte[TioStatus.Size];
        new TioStatus(
            flags,
            minBytes,
            maxBytes,
            minBytes,
            maxBytes,
            minBytes,
            maxBytes,
            minBytes,
            maxBytes,
            (uint)(options.DeviceContextPages * PspMemory.PageSize),
            (uint)(options.TdiContextPages * PspMemory.PageSize),
            1).Encode(page);
        _psp.Memory.Write(command.StatusAddress, page);
        return PspReturnCode.Success;
    }

    public PspReturnCode Init()
    {
        if (_psp.TioInitialized)
        {
            return PspReturnCode.InvalidPlatformState;
        }

        _psp.TioInitialized = true;
        return PspReturnCode.Success;
    }

    public PspReturnCode Create(TioDevCreateCommand command)
    {
        var pages = new List<ulong>();
        var touched = new List<ulong>();
        var status = _psp.Memory.Gather(command.DeviceContext, PageOwnerRequirement.Firmware, pages, touched);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (pages.Count != _psp.Options.DeviceContextPages)
        {
            return PspReturnCode.InvalidLength;
        }

        status = _psp.CheckBufferPages(touched, []);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (!_psp.Options.RootPorts.TryGetValue(command.RootPortId, out var rootPort))
        {
            return PspReturnCode.InvalidParam;
        }

        foreach (var other in _psp.Devices.Values)
        {
            if (other.DeviceId == command.DeviceId && other.Segment == command.Segment)
            {
                return PspReturnCode.InUse;
            }
        }

        var handle = command.DeviceContext.PhysicalAddress;
        var device = new TioDeviceContext(handle, pages.ToArray(), touched.ToArray(), command.DeviceId, command.RootPortId, command.Segment, rootPort);
        _psp.Devices.Add(handle, device);
        _psp.Hold(device.AllPages, device);
        _psp.WriteDeviceContextImage(device.Pages, handle);
        return PspReturnCode.Success;
    }

    public PspReturnCode Reclaim(TioDevReclaimCommand command)
    {
        var status = _psp.FindDevice(command.DeviceContext, [], out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (device.Pending is not null || device.State != TioDeviceState.Created)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        if (device.Tdis.Count > 0)
        {
            return PspReturnCode.InUse;
        }

        _psp.Devices.Remove(device.Handle);
        _psp.Release(device.AllPages);
        _psp.Memory.ClearPages(device.Pages);
        return PspReturnCode.Success;
    }

    public PspReturnCode Connect(TioDevConnectCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.SpdmControl, out var device, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioDevConnect, "TIO_DEV_CONNECT", caller, device, buffers, op =>
        {
            if (device.State != TioDeviceState.Created)
            {
                return (PspReturnCode.InvalidDeviceState, null);
            }

            if ((command.TrafficClassMask & 1) == 0 || command.CertificateSlot != 0)
            {
                return (PspReturnCode.InvalidParam, null);
            }

            var ids = command.IdeStreamIds;
            for (var tc = 0; tc < IdeStreamIds.Length; tc++)
            {
                if ((command.TrafficClassMask & (1 << tc)) != 0 && ids[tc] == IdeStreamIds.Unused)
                {
                    return (PspReturnCode.InvalidParam, null);
                }
            }

            device.TrafficClassMask = command.TrafficClassMask;
            device.CertificateSlot = command.CertificateSlot;
            device.StreamIds = ids;
            device.State = TioDeviceState.Connecting;
            return (PspReturnCode.Success, ConnectSteps(device, op));
        });
    }

    private IEnumerable<SpdmTransportMessage> ConnectSteps(TioDeviceContext device, DeviceOperation op)
    {
        try
        {
            var spdmPhase = _psp.BeginPhase("spdm.session.establish", op);
            var requester = new SpdmRequester(new SpdmRequesterOptions
            {
                TrustedRootCertificate = _psp.Options.TrustedRootCertificate,
                Random = new Random(_psp.SpdmRandom.Next()),
                CertificateChunkLength = _psp.Options.CertificateChunkLength,
            });
            foreach (var request in _psp.Relay(requester, op))
            {
                yield return request;
            }

            var spdmTime = _psp.EndPhase(spdmPhase);
            if (requester.Status != SpdmFlowStatus.Completed)
            {
                spdmPhase.Span?.SetTag("sevtio.spdm.failure", requester.Failure?.ToString());
                _psp.LastDeviceFailure = requester.Failure?.ToString();
                requester.Dispose();
                device.State = TioDeviceState.Created;
                op.Result = PspReturnCode.SpdmError;
                yield break;
            }

            device.Connection?.Dispose();
            device.Connection = requester;
            device.CertificateChain = requester.CertificateChain;
            device.CertificatesDigest = PspFirmware.Digest(requester.CertificateChain);

            var keyPhase = _psp.BeginPhase("ide.key.program", op);
            foreach (var request in ProgramKeys(device, op, keySet: 0, stopIdleSetFirst: false))
            {
                yield return request;
            }

            var keyTime = _psp.EndPhase(keyPhase);
            if (op.Result != PspReturnCode.Success)
            {
                device.Connection = null;
                requester.Dispose();
                device.State = TioDeviceState.Created;
                yield break;
            }

            device.State = TioDeviceState.Connected;
            device.ActiveKeySet = 0;
            device.ProgrammedKeySets = 1;
            _psp.Phases = _psp.Phases with { SpdmSession = spdmTime, KeyProgramming = keyTime };
            op.Output = new DeviceOutput(DataObjectId.Certificate, DeviceObjectType.Primary, requester.CertificateChain!);
        }
        finally
        {
            // An operation abandoned mid-way (forced disconnect, a request that no longer fits) leaves no half-connected device.
            if (device.State == TioDeviceState.Connecting)
            {
                device.State = TioDeviceState.Created;
            }
        }
    }

    /// <summary>
    /// IDE_KM for every keyed stream (§6.33.3, the reference's "typical setup"): fresh keys for each sub-stream and
    /// direction; KEY_PROG at the device through the session and at the root port directly; K_SET_GO to both
    /// receivers, then both transmitters. A refresh first stops the idle set where it was programmed before.
    /// </summary>
    private IEnumerable<SpdmTransportMessage> ProgramKeys(TioDeviceContext device, DeviceOperation op, byte keySet, bool stopIdleSetFirst)
    {
        var session = device.Connection!.Session!;
        var rootPort = new IdePortKeySlots(device.RootPort);
        foreach (var streamId in device.KeyedStreams())
        {
            // down: root port transmits, device receives; up: device transmits, root port receives.
            var down = new byte[SubStreams][];
            var up = new byte[SubStreams][];
            for (var s = 0; s < SubStreams; s++)
            {
                down[s] = NewKey();
                up[s] = NewKey();
            }

            try
            {
                var ideKm = new IdeKmRequester(session).Query();
                if (stopIdleSetFirst)
                {
                    ForEachSlot(keySet, info => ideKm.KeySetStop(streamId, info));
                }

                for (var s = 0; s < SubStreams; s++)
                {
                    ideKm.KeyProg(streamId, new IdeKmKeyInfo(keySet, IdeKmDirection.Receive, (IdeKmSubStream)s), down[s]);
                    ideKm.KeyProg(streamId, new IdeKmKeyInfo(keySet, IdeKmDirection.Transmit, (IdeKmSubStream)s), up[s]);
                }

                for (var s = 0; s < SubStreams; s++)
                {
                    ideKm.KeySetGo(streamId, new IdeKmKeyInfo(keySet, IdeKmDirection.Receive, (IdeKmSubStream)s));
                }

                foreach (var request in _psp.Relay(ideKm, op))
                {
                    yield return request;
                }

                if (!Succeeded(ideKm, op))
                {
                    yield break;
                }

                if (stopIdleSetFirst)
                {
                    ForEachSlot(keySet, info => rootPort.Stop(streamId, info.SubStream, info.Direction, keySet));
                }

                for (var s = 0; s < SubStreams; s++)
                {
                    _psp.Scheduler.Advance(Timing.RootPortKeyWrite * 2);
                    if (rootPort.ProgramKey(streamId, (IdeKmSubStream)s, IdeKmDirection.Transmit, keySet, down[s], 1) != IdeKmKpAckStatus.Success
                        || rootPort.ProgramKey(streamId, (IdeKmSubStream)s, IdeKmDirection.Receive, keySet, up[s], 1) != IdeKmKpAckStatus.Success)
                    {
                        op.Result = PspReturnCode.ErrorInDeviceConnection;
                        yield break;
                    }
                }

                if (!GoRootPort(rootPort, streamId, keySet, IdeKmDirection.Receive))
                {
                    op.Result = PspReturnCode.ErrorInDeviceConnection;
                    yield break;
                }

                for (var s = 0; s < SubStreams; s++)
                {
                    ideKm.KeySetGo(streamId, new IdeKmKeyInfo(keySet, IdeKmDirection.Transmit, (IdeKmSubStream)s));
                }

                foreach (var request in _psp.Relay(ideKm, op))
                {
                    yield return request;
                }

                if (!Succeeded(ideKm, op))
                {
                    yield break;
                }

                if (!GoRootPort(rootPort, streamId, keySet, IdeKmDirection.Transmit))
                {
                    op.Result = PspReturnCode.ErrorInDeviceConnection;
                    yield break;
                }

                _psp.Counters._keysProgrammed += 2 * SubStreams;
            }
            finally
            {
                // The keys live on only in the two IDE engines.
                foreach (var key in down.Concat(up))
                {
                    CryptographicOperations.ZeroMemory(key);
                }
            }
        }
    }

    private bool GoRootPort(IdePortKeySlots rootPort, byte streamId, byte keySet, IdeKmDirection direction)
    {
        for (var s = 0; s < SubStreams; s++)
        {
            _psp.Scheduler.Advance(Timing.RootPortKeyWrite);
            if (!rootPort.Go(streamId, (IdeKmSubStream)s, direction, keySet))
            {
                return false;
            }
        }

        return true;
    }

    private static void ForEachSlot(byte keySet, Action<IdeKmKeyInfo> action)
    {
        foreach (var direction in new[] { IdeKmDirection.Receive, IdeKmDirection.Transmit })
        {
            for (var s = 0; s < SubStreams; s++)
            {
                action(new IdeKmKeyInfo(keySet, direction, (IdeKmSubStream)s));
            }
        }
    }

    private bool Succeeded(IdeKmRequester ideKm, DeviceOperation op)
    {
        if (ideKm.Status == SpdmFlowStatus.Completed)
        {
            return true;
        }

        _psp.LastDeviceFailure = ideKm.Failure?.ToString();
        op.Result = ideKm.Failure?.Reason == SpdmFailureReason.KeyProgrammingRejected
            ? PspReturnCode.ErrorInDeviceConnection
            : PspReturnCode.SpdmError;
        return false;
    }

    private byte[] NewKey()
    {
        _psp.Scheduler.Advance(Timing.KeyGeneration);
        var key = new byte[AesGcmKeySize];
        _psp.KeyRandom.NextBytes(key);
        return key;
    }

    private const int AesGcmKeySize = 32;

    public PspReturnCode RollKey(TioRollKeyCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.SpdmControl, out var device, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioRollKey, "TIO_ROLL_KEY", caller, device, buffers, op =>
            device.State != TioDeviceState.Connected
                ? (PspReturnCode.InvalidDeviceState, null)
                : (PspReturnCode.Success, RollSteps(device, op)));
    }

    private IEnumerable<SpdmTransportMessage> RollSteps(TioDeviceContext device, DeviceOperation op)
    {
        var next = (byte)(1 - device.ActiveKeySet);
        var stopFirst = (device.ProgrammedKeySets & (1 << next)) != 0;
        var phase = _psp.BeginPhase("ide.key.program", op);
        foreach (var request in ProgramKeys(device, op, next, stopFirst))
        {
            yield return request;
        }

        _psp.EndPhase(phase);
        if (op.Result == PspReturnCode.Success)
        {
            device.ActiveKeySet = next;
            device.ProgrammedKeySets |= (byte)(1 << next);
            device.KeyRefreshRequired = false;
            device.KeyRefreshes++;
        }
    }

    public PspReturnCode Disconnect(TioDevDisconnectCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.SpdmControl, out var device, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var force = (command.Flags & TioDevDisconnectFlags.Force) != 0;
        if (force && device.Pending is { } pending && pending.Command != PspCommandId.TioDevDisconnect)
        {
            _psp.AbortPending(device);
        }

        return _psp.RunDeviceOperation(PspCommandId.TioDevDisconnect, "TIO_DEV_DISCONNECT", caller, device, buffers, op =>
        {
            if (device.State == TioDeviceState.Created && !force)
            {
                return (PspReturnCode.InvalidDeviceState, null);
            }

            if (!force && device.Tdis.Values.Any(t => t.Binding != TioTdiBinding.Unbound))
            {
                return (PspReturnCode.InUse, null);
            }

            return (PspReturnCode.Success, DisconnectSteps(device, op, force));
        });
    }

    private IEnumerable<SpdmTransportMessage> DisconnectSteps(TioDeviceContext device, DeviceOperation op, bool force)
    {
        if (!force && device.Connection?.Session is { State: SpdmSessionState.Established })
        {
            var end = device.Connection.CreateEndSessionRequest();
            foreach (var request in _psp.Relay(end, op))
            {
                yield return request;
            }

            if (end.Status != SpdmFlowStatus.Completed)
            {
                _psp.LastDeviceFailure = end.Failure?.ToString();
                op.Result = PspReturnCode.SpdmError;
                yield break;
            }
        }

        foreach (var tdi in device.Tdis.Values)
        {
            if (tdi.Binding != TioTdiBinding.Unbound && tdi.Guest is { } guest)
            {
                TioTdiCommands.Scrub(_psp, tdi, guest);
                Fence(device, guest);
                tdi.PreviousGuest = guest;
                tdi.Guest = null;
                tdi.Binding = TioTdiBinding.Unbound;
            }
        }

        StopRootPortKeys(device);
        device.Connection?.Dispose();
        device.Connection = null;
        device.State = TioDeviceState.Created;
        device.ActiveKeySet = 0;
        device.ProgrammedKeySets = 0;
        device.KeyRefreshRequired = false;
        device.TdispProbed = false;
    }

    /// <summary>K_SET_STOP of every key set at the root port: its half of the stream is unkeyed (the device's half ends with the session).</summary>
    private void StopRootPortKeys(TioDeviceContext device)
    {
        var rootPort = new IdePortKeySlots(device.RootPort);
        foreach (var streamId in device.KeyedStreams())
        {
            for (byte set = 0; set < 2; set++)
            {
                ForEachSlot(set, info =>
                {
                    _psp.Scheduler.Advance(Timing.RootPortKeyWrite);
                    rootPort.Stop(streamId, info.SubStream, info.Direction, set);
                });
            }
        }
    }

    public PspReturnCode DeviceStatus(TioDevStatusCommand command)
    {
        var contextPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = CheckOutputPage(command.StatusAddress);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var noFwUpdate = device.Tdis.Values.Any(t => t.Binding != TioTdiBinding.Unbound && (t.LockFlags & Protocols.Tsm.TdispLockFlags.NoFirmwareUpdate) != 0);
        var page = new byte[TioDeviceStatus.Size];
        new TioDeviceStatus(
            (byte)device.State,
            device.Pending is null ? TioDeviceStatusP1Flags.None : TioDeviceStatusP1Flags.RequestPending,
            device.CertificateSlot,
            device.DeviceId,
            device.Segment,
            device.TrafficClassMask,
            (ushort)(device.Pending is { } pending ? (uint)pending.Command : 0),
            default,
            ((device.MeasurementFlags & TioMeasurementFlags.DigestValid) != 0 ? TioDeviceStatusP2Flags.MeasurementDigestValid : 0)
                | (noFwUpdate ? TioDeviceStatusP2Flags.NoFirmwareUpdate : 0),
            device.StreamIds,
            device.CertificatesDigest,
            device.MeasurementsDigest,
            (uint)device.Tdis.Count,
            (uint)device.Tdis.Values.Count(t => t.Binding != TioTdiBinding.Unbound),
            device.State == TioDeviceState.Connected ? TioSpdmAlgorithms.Default : default).Encode(page);
        _psp.Memory.Write(command.StatusAddress, page);
        return PspReturnCode.Success;
    }

    public PspReturnCode Measurements(TioDevMeasurementsCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.SpdmControl, out var device, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioDevMeasurements, "TIO_DEV_MEASUREMENTS", caller, device, buffers, op =>
            device.State != TioDeviceState.Connected
                ? (PspReturnCode.InvalidDeviceState, null)
                : (PspReturnCode.Success, MeasurementSteps(device, op, command.Nonce.ToArray(), (command.Flags & TioDevMeasurementsFlags.RawBitstream) != 0)));
    }

    private IEnumerable<SpdmTransportMessage> MeasurementSteps(TioDeviceContext device, DeviceOperation op, byte[] nonce, bool raw)
    {
        // A session an earlier operation failed (a response that did not authenticate) fails this one the way the
        // session flows do, rather than throwing; the host disconnects and reconnects.
        if (device.Connection!.Session is not { State: SpdmSessionState.Established })
        {
            _psp.LastDeviceFailure = $"{SpdmFailureReason.SessionNotEstablished}: the session is {device.Connection.Session?.State}";
            op.Result = PspReturnCode.SpdmError;
            yield break;
        }

        var request = device.Connection.CreateMeasurementsRequest(nonce, SpdmGetMeasurements.OperationAll, raw);
        foreach (var message in _psp.Relay(request, op))
        {
            yield return message;
        }

        if (request.Status != SpdmFlowStatus.Completed)
        {
            _psp.LastDeviceFailure = request.Failure?.ToString();
            op.Result = PspReturnCode.SpdmError;
            yield break;
        }

        device.Measurements = request.Response;
        device.MeasurementsDigest = PspFirmware.Digest(request.Response);
        device.MeasurementFlags = TioMeasurementFlags.DigestValid | (nonce.AsSpan().ContainsAnyExcept((byte)0) ? TioMeasurementFlags.DigestFresh : 0);
        op.Output = new DeviceOutput(DataObjectId.Measurement, DeviceObjectType.Primary, request.Response!);
    }

    public PspReturnCode Certificates(TioDevCertificatesCommand command, ActivityContext caller)
    {
        var status = Prepare(command.DeviceContext, command.SpdmControl, out var device, out var buffers);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.RunDeviceOperation(PspCommandId.TioDevCertificates, "TIO_DEV_CERTIFICATES", caller, device, buffers, op =>
        {
            if (device.State != TioDeviceState.Connected || device.CertificateChain is null)
            {
                return (PspReturnCode.InvalidDeviceState, null);
            }

            // The chain was verified when the session was set up; it is served from the context.
            op.Output = new DeviceOutput(DataObjectId.Certificate, DeviceObjectType.Primary, device.CertificateChain);
            return (PspReturnCode.Success, Array.Empty<SpdmTransportMessage>());
        });
    }

    public PspReturnCode FenceClear(TioAsidFenceClearCommand command)
    {
        var contextPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status == PspReturnCode.Success)
        {
            status = _psp.FindGuest(command.GuestContextAddress, contextPages, out var guest);
            if (status == PspReturnCode.Success)
            {
                var fence = device.FenceOf(guest.Asid);
                var running = device.Tdis.Values.Any(t => t.Guest == guest && t.Binding == TioTdiBinding.Running);
                fence.Dma = running ? DmaFenceStatus.NotFenced : DmaFenceStatus.DefaultFenced;
                fence.Mmio = MmioFenceStatus.NotFenced;
            }
        }

        return status;
    }

    public PspReturnCode FenceStatus(TioAsidFenceStatusCommand command)
    {
        var status = _psp.FindDevice(command.DeviceContext, [], out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (command.Asid == 0 || !_psp.GuestsByAsid.ContainsKey((int)command.Asid))
        {
            return PspReturnCode.InvalidAsid;
        }

        status = CheckOutputPage(command.StatusAddress);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        var fence = device.FenceOf((int)command.Asid);
        var bytes = new byte[AsidFenceStatus.Size];
        new AsidFenceStatus(fence.Dma, fence.Mmio).Encode(bytes);
        _psp.Memory.Write(command.StatusAddress, bytes);
        return PspReturnCode.Success;
    }

    /// <summary>
    /// Fences a guest's DMA and MMIO toward a device after an error or the unbind of a TDI that ran: the guest's TDIs
    /// of this device lose trusted DMA (sDTE cleared) and their MMIO validation, until the host clears the fence.
    /// </summary>
    public void Fence(TioDeviceContext device, SnpGuestContext guest)
    {
        var fence = device.FenceOf(guest.Asid);
        fence.Dma = DmaFenceStatus.ErrorFenced;
        fence.Mmio = MmioFenceStatus.Fenced;
        foreach (var tdi in device.Tdis.Values)
        {
            if (tdi.Guest == guest)
            {
                TioTdiCommands.Scrub(_psp, tdi, guest);
            }
        }
    }

    /// <summary>The root port saw its half of a device's stream go Insecure: the TDIs on it can no longer be trusted.</summary>
    public void OnRootPortStreamInsecure(ushort rootPortId, IdeStream stream, IdeCheckFailure reason)
    {
        foreach (var device in _psp.Devices.Values)
        {
            if (device.RootPortId != rootPortId || device.State != TioDeviceState.Connected || !device.KeyedStreams().Contains(stream.StreamId))
            {
                continue;
            }

            foreach (var tdi in device.Tdis.Values)
            {
                if (tdi.Guest is { } guest && tdi.Binding != TioTdiBinding.Unbound)
                {
                    Fence(device, guest);
                }
            }

            _psp.Mailbox.Notify(new PspNotification(PspNotificationKind.IdeStreamInsecure, device.DeviceId, device.Segment, stream.StreamId));
        }
    }

    /// <summary>A root-port transmit key reached its counter limit (the IDE engine's refresh trigger): ask the host for TIO_ROLL_KEY.</summary>
    public void OnKeyRefreshNeeded(ushort rootPortId, IdeStream stream)
    {
        foreach (var device in _psp.Devices.Values)
        {
            if (device.RootPortId == rootPortId && device.State == TioDeviceState.Connected && device.KeyedStreams().Contains(stream.StreamId)
                && !device.KeyRefreshRequired)
            {
                device.KeyRefreshRequired = true;
                _psp.Mailbox.Notify(new PspNotification(PspNotificationKind.IdeKeyRefreshRequired, device.DeviceId, device.Segment, stream.StreamId));
            }
        }
    }

    /// <summary>Device lookup, SPDM buffer checks and the cross-buffer page checks every SPDM-carrying device command makes.</summary>
    internal PspReturnCode Prepare(ScatterListAddress deviceContext, SpdmControl control, out TioDeviceContext device, out SpdmBuffers buffers)
    {
        var contextPages = new List<ulong>();
        var bufferPages = new List<ulong>();
        buffers = null!;
        var status = _psp.FindDevice(deviceContext, contextPages, out device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.GatherSpdmBuffers(control, bufferPages, out buffers);
        return status != PspReturnCode.Success ? status : _psp.CheckBufferPages(bufferPages, contextPages);
    }

    /// <summary>A page the PSP writes a status structure to: firmware-owned, aligned, not holding a context.</summary>
    internal PspReturnCode CheckOutputPage(ulong address)
    {
        var status = _psp.Memory.CheckPage(address, PageOwnerRequirement.Firmware);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        return _psp.IsHeld(address) ? PspReturnCode.InUse : PspReturnCode.Success;
    }
}
