using System.Diagnostics;
using System.Security.Cryptography;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The AMD PSP firmware acting as the TEE Security Manager (SEV-TIO, AMD #58271): the SEV-TIO commands 0xD0–0xE4 and
/// the SNP launch commands SEV-TIO needs, behind the <see cref="PspMailbox"/> the host sees. The PSP never touches the
/// device: when it needs an exchange it answers SPDM_REQUEST with the request in the request buffer, and the host
/// relays it over DOE and re-issues the command. Keys (IDE keys, VMPCKs, the SPDM session) never leave it, except into
/// the device through the secured session, into a root port's key registers over its private path, and into a guest's
/// private secrets page.
/// </summary>
/// <remarks>
/// <para>Every command page is checked on every command: contexts, request, scratch, output and status pages must be
/// firmware-owned (RMP assigned, ASID 0, immutable) → INVALID_PAGE_STATE; the response buffer and the guest-request
/// page hypervisor-owned → INVALID_PAGE_OWNER; addresses page aligned and inside RMP-covered memory → INVALID_ADDRESS;
/// 4 KiB pages only → INVALID_PAGE_SIZE; no page named twice in one command → INVALID_PARAM; no buffer page that
/// already holds another context → IN_USE; SPDM buffers within the sizes TIO_STATUS reports →
/// INCORRECT_BUFFER_LENGTH. A command buffer that does not parse is INVALID_LENGTH (its length field) or
/// INVALID_PARAM (any other field).</para>
/// <para>Time: each mailbox call charges <see cref="PspTiming.CommandOverhead"/>, each page check and privileged RMP
/// write <see cref="PspTiming.RmpAccess"/>, and the crypto the commands do its own cost, on the shared scheduler.</para>
/// </remarks>
public sealed class PspFirmware : IPspCommandProcessor, IDisposable
{
    public const string ActivitySourceName = PspTrace.SourceName;

    internal const int ContextImageLength = 16;

    private static ReadOnlySpan<byte> DeviceContextMagic => "TIODEVC\0"u8;

    private static ReadOnlySpan<byte> TdiContextMagic => "TIOTDIC\0"u8;

    private static ReadOnlySpan<byte> GuestContextMagic => "SNPGCTX\0"u8;

    private readonly PspFirmwareOptions _options;
    private readonly Dictionary<ulong, object> _held = [];
    private readonly TioDeviceCommands _deviceCommands;
    private readonly TioTdiCommands _tdiCommands;
    private readonly TioGuestRequestProcessor _guestRequests;
    private readonly SnpLaunchCommands _snp;

    public PspFirmware(PspFirmwareOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TrustedRootCertificate);
        _options = options;
        Timing = options.Timing.Validate();
        if (options.DeviceContextPages is < 1 or > 16 || options.TdiContextPages is < 1 or > 16)
        {
            throw new ParameterException("psp.context_pages", $"{options.DeviceContextPages}/{options.TdiContextPages}", "device and TDI contexts are 1 to 16 pages");
        }

        Scheduler = options.Scheduler;
        Memory = new PspMemory(options.Memory, options.Rmp, options.Scheduler, Timing);
        Trace = new PspTrace(options.Scheduler);

        // Independent seeded streams, so adding a draw in one place does not shift every other secret.
        var seed = options.Random.Next();
        KeyRandom = new Random(seed);
        SpdmRandom = new Random(seed ^ 0x5EED_5BD0);
        GuestRandom = new Random(seed ^ 0x0A11_CE55);

        Mailbox = new PspMailbox(this);
        _deviceCommands = new TioDeviceCommands(this);
        _tdiCommands = new TioTdiCommands(this);
        _guestRequests = new TioGuestRequestProcessor(this);
        _snp = new SnpLaunchCommands(this);

        foreach (var (rootPortId, port) in options.RootPorts)
        {
            port.StreamBecameInsecure += (stream, reason) => _deviceCommands.OnRootPortStreamInsecure(rootPortId, stream, reason);
            foreach (var stream in port.Streams)
            {
                stream.KeyRefreshNeeded += (s, _, _) => _deviceCommands.OnKeyRefreshNeeded(rootPortId, s);
            }
        }
    }

    /// <summary>The mailbox: the only part a host may use.</summary>
    public PspMailbox Mailbox { get; }

    public PspCounters Counters { get; } = new();

    /// <summary>Durations of the trust-flow phases as last measured.</summary>
    public PspTrustPhases Phases { get; internal set; } = new();

    public PspTiming Timing { get; }

    /// <summary>What made the last failed device exchange fail (diagnostics: the SPDM, IDE_KM or TDISP failure).</summary>
    public string? LastDeviceFailure { get; internal set; }

    /// <summary>TIO_INIT has run.</summary>
    public bool TioInitialized { get; internal set; }

    internal PspFirmwareOptions Options => _options;

    internal TioDeviceCommands DeviceCommands => _deviceCommands;

    internal Scheduler Scheduler { get; }

    internal PspMemory Memory { get; }

    internal PspTrace Trace { get; }

    internal MemoryController MemoryController => _options.MemoryController;

    internal AmdIommu Iommu => _options.Iommu;

    internal Random KeyRandom { get; }

    internal Random SpdmRandom { get; }

    internal Random GuestRandom { get; }

    internal Dictionary<ulong, SnpGuestContext> Guests { get; } = [];

    internal Dictionary<int, SnpGuestContext> GuestsByAsid { get; } = [];

    internal Dictionary<ulong, TioDeviceContext> Devices { get; } = [];

    internal Dictionary<ulong, TioTdiContext> Tdis { get; } = [];

    /// <summary>Runs one mailbox command. The caller's current activity is unchanged afterwards.</summary>
    uint IPspCommandProcessor.Execute(uint command, ulong commandBufferAddress)
    {
        var caller = Activity.Current;
        Mailbox.RelayContext = default;
        try
        {
            Counters._commands++;
            Scheduler.Advance(Timing.CommandOverhead);
            var status = Dispatch(command, commandBufferAddress, caller?.Context ?? default);
            if (status is not (PspReturnCode.Success or PspReturnCode.SpdmRequest or PspReturnCode.ExpandBufferLengthRequest))
            {
                Counters._commandFailures++;
            }

            return (uint)status;
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    public void Dispose()
    {
        foreach (var device in Devices.Values)
        {
            device.Connection?.Dispose();
        }
    }

    private PspReturnCode Dispatch(uint command, ulong address, ActivityContext caller)
    {
        switch ((SnpCommandId)command)
        {
            case SnpCommandId.SnpGctxCreate:
            case SnpCommandId.SnpActivate:
            case SnpCommandId.SnpLaunchUpdate:
            case SnpCommandId.SnpDecommission:
            case SnpCommandId.SnpPageReclaim:
                return Traced(((SnpCommandId)command).ToString(), caller, () => _snp.Execute((SnpCommandId)command, address));
        }

        var id = (PspCommandId)command;
        var size = PspCommandBuffer.SizeOf(id);
        if (size == 0)
        {
            return PspReturnCode.InvalidCommand;
        }

        if (address >= _options.Memory.Size || _options.Memory.Size - address < PspCommandBuffer.SavedCommandLength)
        {
            return PspReturnCode.InvalidAddress;
        }

        if (id is not (PspCommandId.TioStatus or PspCommandId.TioInit) && !TioInitialized)
        {
            return PspReturnCode.InvalidPlatformState;
        }

        var buffer = new byte[size];
        Memory.Read(address, buffer);
        return id switch
        {
            PspCommandId.TioStatus => Traced("TIO_STATUS", caller, () => Decode<TioStatusCommand>(buffer, out var c) ?? _deviceCommands.Status(c)),
            PspCommandId.TioInit => Traced("TIO_INIT", caller, () => Decode<TioInitCommand>(buffer, out _) ?? _deviceCommands.Init()),
            PspCommandId.TioDevCreate => Traced("TIO_DEV_CREATE", caller, () => Decode<TioDevCreateCommand>(buffer, out var c) ?? _deviceCommands.Create(c)),
            PspCommandId.TioDevReclaim => Traced("TIO_DEV_RECLAIM", caller, () => Decode<TioDevReclaimCommand>(buffer, out var c) ?? _deviceCommands.Reclaim(c)),
            PspCommandId.TioDevConnect => Decode<TioDevConnectCommand>(buffer, out var connect) ?? _deviceCommands.Connect(connect, caller),
            PspCommandId.TioDevDisconnect => Decode<TioDevDisconnectCommand>(buffer, out var disconnect) ?? _deviceCommands.Disconnect(disconnect, caller),
            PspCommandId.TioDevStatus => Traced("TIO_DEV_STATUS", caller, () => Decode<TioDevStatusCommand>(buffer, out var c) ?? _deviceCommands.DeviceStatus(c)),
            PspCommandId.TioDevMeasurements => Decode<TioDevMeasurementsCommand>(buffer, out var measurements) ?? _deviceCommands.Measurements(measurements, caller),
            PspCommandId.TioDevCertificates => Decode<TioDevCertificatesCommand>(buffer, out var certificates) ?? _deviceCommands.Certificates(certificates, caller),
            PspCommandId.TioRollKey => Decode<TioRollKeyCommand>(buffer, out var roll) ?? _deviceCommands.RollKey(roll, caller),
            PspCommandId.TioAsidFenceClear => Traced("TIO_ASID_FENCE_CLEAR", caller, () => Decode<TioAsidFenceClearCommand>(buffer, out var c) ?? _deviceCommands.FenceClear(c)),
            PspCommandId.TioAsidFenceStatus => Traced("TIO_ASID_FENCE_STATUS", caller, () => Decode<TioAsidFenceStatusCommand>(buffer, out var c) ?? _deviceCommands.FenceStatus(c)),
            PspCommandId.TioTdiCreate => Traced("TIO_TDI_CREATE", caller, () => Decode<TioTdiCreateCommand>(buffer, out var c) ?? _tdiCommands.Create(c)),
            PspCommandId.TioTdiReclaim => Traced("TIO_TDI_RECLAIM", caller, () => Decode<TioTdiReclaimCommand>(buffer, out var c) ?? _tdiCommands.Reclaim(c)),
            PspCommandId.TioTdiBind => Decode<TioTdiBindCommand>(buffer, out var bind) ?? _tdiCommands.Bind(bind, caller),
            PspCommandId.TioTdiUnbind => Decode<TioTdiUnbindCommand>(buffer, out var unbind) ?? _tdiCommands.Unbind(unbind, caller),
            PspCommandId.TioTdiReport => Decode<TioTdiReportCommand>(buffer, out var report) ?? _tdiCommands.Report(report, caller),
            PspCommandId.TioTdiStatus => Decode<TioTdiStatusCommand>(buffer, out var status) ?? _tdiCommands.Status(status, caller),
            PspCommandId.TioTdiInfo => Traced("TIO_TDI_INFO", caller, () => Decode<TioTdiInfoCommand>(buffer, out var c) ?? _tdiCommands.Info(c)),
            PspCommandId.TioGuestRequest => Decode<TioGuestRequestCommand>(buffer, out var request) ?? _guestRequests.Execute(request, caller),
            _ => PspReturnCode.InvalidCommand,
        };
    }

    private PspReturnCode Traced(string name, ActivityContext caller, Func<PspReturnCode> command)
    {
        var span = Trace.StartCommand(name, caller);
        try
        {
            var status = command();
            span?.SetTag("sevtio.psp.status", status.ToString());
            return status;
        }
        finally
        {
            Trace.End(span);
        }
    }

    /// <summary>Decodes a command buffer; returns null on success, or the status a malformed buffer earns.</summary>
    private static PspReturnCode? Decode<T>(byte[] buffer, out T command)
        where T : struct, IPspCommandBuffer<T>
    {
        try
        {
            command = T.Decode(buffer);
            return null;
        }
        catch (ProtocolFormatException e)
        {
            command = default;
            return e.Field.EndsWith(".length", StringComparison.Ordinal) || e.Field == "length" ? PspReturnCode.InvalidLength : PspReturnCode.InvalidParam;
        }
    }

    // ---- contexts and pages ----------------------------------------------------------------------------------------

    internal bool IsHeld(ulong page) => _held.ContainsKey(page);

    internal void Hold(IEnumerable<ulong> pages, object owner)
    {
        foreach (var page in pages)
        {
            _held[page] = owner;
        }
    }

    internal void Release(IEnumerable<ulong> pages)
    {
        foreach (var page in pages)
        {
            _held.Remove(page);
        }
    }

    /// <summary>
    /// Checks a command's buffer pages as a whole: none named twice (INVALID_PARAM), none holding a context or guest
    /// context other than the ones the command names (IN_USE).
    /// </summary>
    internal PspReturnCode CheckBufferPages(List<ulong> bufferPages, List<ulong> contextPages)
    {
        var all = new List<ulong>(bufferPages.Count + contextPages.Count);
        all.AddRange(bufferPages);
        all.AddRange(contextPages);
        if (PspMemory.HasDuplicates(all))
        {
            return PspReturnCode.InvalidParam;
        }

        foreach (var page in bufferPages)
        {
            if (IsHeld(page))
            {
                return PspReturnCode.InUse;
            }
        }

        return PspReturnCode.Success;
    }

    /// <summary>The device context an SLA names, its pages re-checked.</summary>
    internal PspReturnCode FindDevice(ScatterListAddress sla, List<ulong> contextPages, out TioDeviceContext device)
    {
        device = null!;
        if (sla.IsNull || !Devices.TryGetValue(sla.PhysicalAddress, out var found) || !CheckContext(found.AllPages, found.Pages[0], found.Handle, DeviceContextMagic))
        {
            return PspReturnCode.InvalidDeviceContext;
        }

        device = found;
        contextPages.AddRange(found.AllPages);
        return PspReturnCode.Success;
    }

    internal PspReturnCode FindTdi(TioDeviceContext device, ScatterListAddress sla, List<ulong> contextPages, out TioTdiContext tdi)
    {
        tdi = null!;
        if (sla.IsNull || !Tdis.TryGetValue(sla.PhysicalAddress, out var found) || found.Device != device || !CheckContext(found.AllPages, found.Pages[0], found.Handle, TdiContextMagic))
        {
            return PspReturnCode.InvalidTdiContext;
        }

        tdi = found;
        contextPages.AddRange(found.AllPages);
        return PspReturnCode.Success;
    }

    /// <summary>An activated guest context at <paramref name="address"/> (INVALID_GUEST otherwise).</summary>
    internal PspReturnCode FindGuest(ulong address, List<ulong> contextPages, out SnpGuestContext guest)
    {
        guest = null!;
        if (!Guests.TryGetValue(address, out var found) || found.Decommissioned || !CheckContext([address], address, address, GuestContextMagic))
        {
            return PspReturnCode.InvalidGuest;
        }

        if (found.Asid == 0)
        {
            return PspReturnCode.InvalidGuestState;
        }

        guest = found;
        contextPages.Add(address);
        return PspReturnCode.Success;
    }

    internal void WriteDeviceContextImage(IReadOnlyList<ulong> pages, ulong handle) => WriteContextImage(pages, handle, DeviceContextMagic);

    internal void WriteTdiContextImage(IReadOnlyList<ulong> pages, ulong handle) => WriteContextImage(pages, handle, TdiContextMagic);

    internal void WriteGuestContextImage(ulong page) => WriteContextImage([page], page, GuestContextMagic);

    /// <summary>
    /// Context pages hold a small image (magic and handle) so a context is recognised only where the PSP made it;
    /// the state itself, keys above all, stays inside the PSP.
    /// </summary>
    private void WriteContextImage(IReadOnlyList<ulong> pages, ulong handle, ReadOnlySpan<byte> magic)
    {
        Memory.ClearPages(pages);
        Span<byte> image = stackalloc byte[ContextImageLength];
        magic.CopyTo(image);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(image[8..], handle);
        Memory.Write(pages[0], image);
    }

    private bool CheckContext(IReadOnlyList<ulong> pages, ulong imagePage, ulong handle, ReadOnlySpan<byte> magic)
    {
        foreach (var page in pages)
        {
            if (Memory.CheckPage(page, PageOwnerRequirement.Firmware) != PspReturnCode.Success)
            {
                return false;
            }
        }

        Span<byte> image = stackalloc byte[ContextImageLength];
        Memory.Read(imagePage, image);
        return image[..8].SequenceEqual(magic) && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(image[8..]) == handle;
    }

    /// <summary>
    /// Gathers and checks the four SPDM buffers: request, scratch and output firmware-owned, response
    /// hypervisor-owned, each within the sizes TIO_STATUS reports.
    /// </summary>
    internal PspReturnCode GatherSpdmBuffers(SpdmControl control, List<ulong> bufferPages, out SpdmBuffers buffers)
    {
        buffers = new SpdmBuffers();
        var status = Gather(control.Request, PageOwnerRequirement.Firmware, buffers.Request, bufferPages);
        if (status == PspReturnCode.Success)
        {
            status = Gather(control.Response, PageOwnerRequirement.Hypervisor, buffers.Response, bufferPages);
        }

        if (status == PspReturnCode.Success)
        {
            status = Gather(control.Scratch, PageOwnerRequirement.Firmware, buffers.Scratch, bufferPages);
        }

        if (status == PspReturnCode.Success)
        {
            status = Gather(control.Output, PageOwnerRequirement.Firmware, buffers.Output, bufferPages);
        }

        return status;

        PspReturnCode Gather(ScatterListAddress sla, PageOwnerRequirement requirement, List<ulong> pages, List<ulong> touched)
        {
            var result = Memory.Gather(sla, requirement, pages, touched);
            if (result != PspReturnCode.Success)
            {
                return result;
            }

            return pages.Count < _options.SpdmBufferMinPages || pages.Count > _options.SpdmBufferMaxPages
                ? PspReturnCode.IncorrectBufferLength
                : PspReturnCode.Success;
        }
    }

    // ---- device operations (SPDM continuation) ---------------------------------------------------------------------

    /// <summary>
    /// Starts or resumes the device's SPDM operation for <paramref name="command"/>. A continuation (same command while
    /// one is outstanding) reads the host's response; another command while one is outstanding is INVALID_DEV_STATE.
    /// <paramref name="start"/> runs only on the first issue: it validates and returns the steps, or a failure status.
    /// </summary>
    internal PspReturnCode RunDeviceOperation(
        PspCommandId command,
        string name,
        ActivityContext caller,
        TioDeviceContext device,
        SpdmBuffers buffers,
        Func<DeviceOperation, (PspReturnCode Status, IEnumerable<SpdmTransportMessage>? Steps)> start)
    {
        var op = device.Pending;
        if (op is not null)
        {
            if (op.Command != command)
            {
                return PspReturnCode.InvalidDeviceState;
            }

            op.Issues++;
            if (!op.StepsDone && op.Outstanding is { } outstanding)
            {
                op.SetResponse(ReadResponse(buffers.Response, outstanding.Type));
                op.Outstanding = null;
            }
        }
        else
        {
            op = new DeviceOperation(command, Trace.StartCommand(name, caller)) { Issues = 1 };
            var (status, steps) = start(op);
            if (status != PspReturnCode.Success || steps is null)
            {
                op.Span?.SetTag("sevtio.psp.status", status.ToString());
                Trace.End(op.Span);
                return status;
            }

            op.Steps = steps.GetEnumerator();
            device.Pending = op;
        }

        return Drive(device, op, buffers);
    }

    private PspReturnCode Drive(TioDeviceContext device, DeviceOperation op, SpdmBuffers buffers)
    {
        if (!op.StepsDone)
        {
            if (op.Steps!.MoveNext())
            {
                var request = op.Steps.Current;
                var bytes = new byte[buffers.Request.Count * PspMemory.PageSize];
                var dataType = request.Type == DoeDataObjectType.SecuredSpdm ? SpdmDataType.SecuredSpdm : SpdmDataType.Spdm;
                if (SlaBufferHeader.Size + SlaBufferHeader.AlignPayload((uint)(SpdmDataObject.HeaderSize + request.Payload.Length)) > bytes.Length)
                {
                    return Complete(device, op, PspReturnCode.IncorrectBufferLength);
                }

                var used = SlaBuffer.WriteSpdmRequest(bytes, dataType, request.Payload);
                Memory.WritePages(buffers.Request, bytes.AsSpan(0, used));
                op.Outstanding = request;
                Counters._spdmRequests++;
                Mailbox.RelayContext = (op.Phase is { IsStopped: false } phase ? phase : op.Span)?.Context ?? default;
                return PspReturnCode.SpdmRequest;
            }

            op.StepsDone = true;
        }

        if (op.Result == PspReturnCode.Success && op.Output is { } output)
        {
            var capacity = buffers.Output.Count * PspMemory.PageSize;
            var needed = SlaBufferHeader.Size + (int)SlaBufferHeader.AlignPayload((uint)(DeviceDataObject.HeaderSize + output.Data.Length));
            if (needed > capacity)
            {
                // EXPAND_BUFFER_LENGTH_REQUEST: the capacity the output needs goes in the output buffer's header; the host
                // reallocates and re-issues, and the operation resumes here.
                var pagesNeeded = (needed + PspMemory.PageSize - 1) / PspMemory.PageSize;
                var header = new byte[SlaBufferHeader.Size];
                new SlaBufferHeader((uint)(pagesNeeded * PspMemory.PageSize), 0, SlaBufferFlags.None, default, default).Encode(header);
                Memory.WritePages(buffers.Output, header);
                return PspReturnCode.ExpandBufferLengthRequest;
            }

            var bytes = new byte[capacity];
            var used = SlaBuffer.WriteDeviceObject(bytes, output.Id, output.Type, device.DeviceId, device.Segment, output.Data);
            Memory.WritePages(buffers.Output, bytes.AsSpan(0, used));
        }

        return Complete(device, op, op.Result);
    }

    private PspReturnCode Complete(TioDeviceContext device, DeviceOperation op, PspReturnCode status)
    {
        device.Pending = null;
        op.Steps?.Dispose();
        op.Span?.SetTag("sevtio.psp.status", status.ToString());
        op.Span?.SetTag("sevtio.psp.issues", op.Issues);
        Trace.End(op.Span);
        return status;
    }

    /// <summary>Abandons a device's outstanding operation (forced disconnect).</summary>
    internal void AbortPending(TioDeviceContext device)
    {
        if (device.Pending is { } op)
        {
            Complete(device, op, PspReturnCode.ErrorInDeviceConnection);
        }
    }

    /// <summary>The device's reply as the host left it in the response buffer; empty if absent, malformed or of the wrong type.</summary>
    private byte[] ReadResponse(List<ulong> pages, DoeDataObjectType requestType)
    {
        var bytes = Memory.ReadPages(pages);
        try
        {
            var dobj = SlaBuffer.ReadSpdm(bytes, DataObjectId.Response);
            var expected = requestType == DoeDataObjectType.SecuredSpdm ? SpdmDataType.SecuredSpdm : SpdmDataType.Spdm;
            return dobj.DataType == expected ? RelayedResponse.TrimPadding(dobj.Message.ToArray(), requestType) : [];
        }
        catch (ProtocolFormatException)
        {
            return [];
        }
    }

    /// <summary>
    /// Runs a requester flow through the host: yields each request, hands back the response the host relayed, and
    /// charges the PSP's work for both.
    /// </summary>
    internal IEnumerable<SpdmTransportMessage> Relay(ISpdmRequesterFlow flow, DeviceOperation op)
    {
        while (flow.TryGetNextRequest(out var request))
        {
            var phase = (flow as SpdmRequester)?.Phase;
            ChargeRequest(flow, phase, request);
            yield return request;
            var response = op.TakeResponse();
            flow.Accept(response);
            ChargeResponse(flow, phase, response);
        }
    }

    private void ChargeRequest(ISpdmRequesterFlow flow, SpdmRequesterPhase? phase, SpdmTransportMessage request)
    {
        var cost = Timing.SpdmMessage + Timing.Sha384(request.Payload.Length);
        if (request.Type == DoeDataObjectType.SecuredSpdm)
        {
            cost += Timing.Aead(request.Payload.Length);
        }

        if (phase == SpdmRequesterPhase.KeyExchange)
        {
            cost += Timing.Ecdh;
        }
        else if (phase == SpdmRequesterPhase.Finish)
        {
            // Finished key and RequesterVerifyData.
            cost += Timing.Hmac * 2;
        }

        Scheduler.Advance(cost);
    }

    private void ChargeResponse(ISpdmRequesterFlow flow, SpdmRequesterPhase? before, byte[] response)
    {
        var cost = Timing.SpdmMessage + Timing.Sha384(response.Length);
        if (flow is SpdmRequester requester)
        {
            if (before == SpdmRequesterPhase.GetCertificate && requester.Phase != SpdmRequesterPhase.GetCertificate)
            {
                // The chain is complete: two signatures (intermediate, leaf) checked up to the trusted root.
                cost += (Timing.EcdsaVerify * 2) + Timing.Sha384(requester.CertificateChain?.Length ?? 0);
            }
            else if (before == SpdmRequesterPhase.KeyExchange)
            {
                // Shared secret, signature over the transcript, handshake key schedule (HKDF) and ResponderVerifyData.
                cost += Timing.Ecdh + Timing.EcdsaVerify + (Timing.Hmac * 7);
            }
            else if (before == SpdmRequesterPhase.Finish)
            {
                cost += Timing.Aead(response.Length) + (Timing.Hmac * 5);
            }
        }
        else
        {
            cost += Timing.Aead(response.Length);
            if (flow is SpdmMeasurementsRequest)
            {
                cost += Timing.EcdsaVerify;
            }
        }

        Scheduler.Advance(cost);
    }

    /// <summary>Marks the start of a trust-flow phase (span and clock).</summary>
    internal (Activity? Span, SimTime Start) BeginPhase(string name, DeviceOperation op)
    {
        op.Phase = Trace.StartPhase(name, op.Span);
        return (op.Phase, Scheduler.Now);
    }

    internal SimTime EndPhase((Activity? Span, SimTime Start) phase)
    {
        Trace.End(phase.Span);
        return Scheduler.Now - phase.Start;
    }

    internal static Sha384Digest Digest(ReadOnlySpan<byte> data) => Sha384Digest.FromBytes(SHA384.HashData(data));
}

/// <summary>The gathered pages of a command's four SPDM buffers.</summary>
internal sealed class SpdmBuffers
{
    public List<ulong> Request { get; } = [];

    public List<ulong> Response { get; } = [];

    public List<ulong> Scratch { get; } = [];

    public List<ulong> Output { get; } = [];
}
