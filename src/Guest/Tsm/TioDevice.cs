using SevTio.Guest.Messaging;
using SevTio.Guest.Pci;
using SevTio.Guest.Telemetry;
using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Tsm;

/// <summary>
/// The <c>sev-guest</c> TSM's context for one device (the seed's tio.c per-TDI state): lock, accept and unlock as an
/// explicit state machine (<see cref="TioDeviceState"/>), speaking only GHCB exits and encrypted guest messages.
/// </summary>
/// <remarks>
/// <para>Lock (reference §1.3): enable memory space, TIO_OP BIND, TIO_MSG_TDI_INFO for the TDISP state, digests and the
/// blobs; no report → ENODEV; the report is parsed and placed in the BARs (a report that does not fit → EINVAL); the
/// blobs are hashed and compared with the PSP's digests. Any failure after BIND unbinds again.</para>
/// <para>Accept (§1.5): refused before anything changes if the digests did not match (EBADMSG) or the policy says no
/// (EACCES); then TIO_OP RUN, TDI_INFO again (the TDI must be RUN and the report the one checked at lock), SDTE_WRITE
/// (trusted DMA on), MMIO_VALIDATE of every TEE range; the validated ranges become encrypted resources and the device
/// is accepted. A failure after RUN is rolled back (invalidate, clear the sDTE, STOP) and leaves <see cref="TioDeviceState.Error"/>.</para>
/// <para>Unlock (§1.6, seed order): STOP, SDTE_WRITE clear, MMIO invalidate, UNBIND — best effort, each failure logged.</para>
/// </remarks>
public sealed class TioDevice
{
    private readonly SevGuestTsm _tsm;
    private readonly List<TdiMmioRange> _validated = [];
    private IReadOnlyList<TdiMmioRange> _ranges = [];
    private bool _running;
    private bool _sdteWritten;

    internal TioDevice(SevGuestTsm tsm, GuestPciDevice device)
    {
        _tsm = tsm;
        Device = device;
    }

    public GuestPciDevice Device { get; }

    public TioDeviceState State { get; private set; }

    /// <summary>The firmware TDI id BIND returned in RCX (V2 messages carry it).</summary>
    public ulong TdiId { get; private set; }

    /// <summary>The evidence fetched at lock.</summary>
    public DeviceEvidence? Evidence { get; private set; }

    /// <summary>The TDISP state the last TDI_INFO reported.</summary>
    public TsmTdispState TdispState { get; private set; }

    /// <summary>The report's MMIO ranges placed in the BARs.</summary>
    public IReadOnlyList<TdiMmioRange> MmioRanges => _ranges;

    /// <summary>The TEE ranges the PSP validated.</summary>
    public IReadOnlyList<TdiMmioRange> ValidatedRanges => _validated;

    /// <summary>The policy's last verdict (null before accept was tried, or without a policy).</summary>
    public PolicyVerdict? PolicyVerdict { get; private set; }

    public TrustPhaseTimes PhaseTimes { get; } = new();

    /// <summary>The id the TIO messages carry: V1 the 16-bit routing id, V2 the firmware TDI id.</summary>
    private ulong MessageId => _tsm.Options.MessageVersion == TioMessageVersion.V1 ? Device.Address.RequesterId : TdiId;

    /// <summary>The guest_rid of the exits: seed the 16-bit BDF; later <c>(segment &lt;&lt; 16) | BDF</c>.</summary>
    private uint GuestRid => _tsm.Options.MessageVersion == TioMessageVersion.V1
        ? Device.Address.RequesterId
        : ((uint)Device.Address.Segment << 16) | Device.Address.RequesterId;

    private SimTime Now => _tsm.Scheduler.Now;

    internal Errno Lock()
    {
        var activity = SimSpan.Start(GuestTelemetry.Source, "tsm.lock", Now);
        activity?.SetTag("pci.address", Device.ToString());
        var start = Now;
        var error = LockCore(start);
        activity?.SetTag("errno", error.ToString());
        SimSpan.End(activity, Now);
        return error;
    }

    internal Errno Accept()
    {
        var activity = SimSpan.Start(GuestTelemetry.Source, "tsm.accept", Now);
        activity?.SetTag("pci.address", Device.ToString());
        var start = Now;
        var error = AcceptCore();
        PhaseTimes.Accept = Now - start;
        activity?.SetTag("errno", error.ToString());
        SimSpan.End(activity, Now);
        return error;
    }

    internal void Unlock()
    {
        var activity = SimSpan.Start(GuestTelemetry.Source, "tsm.unlock", Now);
        activity?.SetTag("pci.address", Device.ToString());
        var start = Now;
        if (_running)
        {
            Op(TioOpAction.Stop);
            _running = false;
        }

        Teardown();
        Op(TioOpAction.Unbind);
        Device.CcAccepted = false;
        Device.SetEncryptedResources([]);
        State = TioDeviceState.Unlocked;
        PhaseTimes.Unlock = Now - start;
        Log("unlocked");
        SimSpan.End(activity, Now);
    }

    private Errno LockCore(SimTime start)
    {
        // pci_enable_device_mem(): the VMM maps the BARs; MSE must be on before LOCK (TDISP records it).
        Device.EnableMemory();
        var bind = Op(TioOpAction.Bind);
        if (bind.Error != Errno.None)
        {
            return bind.Error;
        }

        TdiId = bind.TdiId ?? 0;
        PhaseTimes.Lock = Now - start;
        var reportStart = Now;
        var error = FetchEvidence(_tsm.Options.TdiInfoParam, out var evidence);
        if (error == Errno.None)
        {
            error = CheckReport(evidence!);
        }

        if (error != Errno.None)
        {
            Op(TioOpAction.Unbind);
            PhaseTimes.Report = Now - reportStart;
            return error;
        }

        Evidence = evidence;
        var check = evidence!.Verify(_tsm.Options.RequireMeasurementDigest);
        _tsm.ChargeDigest(evidence.Report.Length + evidence.Certificates.Length + evidence.Measurements.Length);
        Log($"evidence {check}");
        PhaseTimes.Report = Now - reportStart;
        State = TioDeviceState.Locked;
        Log($"locked, TDI id {TdiId}, TDISP {TdispState}, {_ranges.Count} MMIO ranges");
        return Errno.None;
    }

    private Errno CheckReport(DeviceEvidence evidence)
    {
        if (evidence.Report.Length == 0)
        {
            Log("no interface report");
            return Errno.ENODEV;
        }

        try
        {
            evidence.ParsedReport = TdispDeviceInterfaceReport.Decode(evidence.Report);
            _ranges = InterfaceReportMmio.Map(evidence.ParsedReport, Device.Bars, _tsm.Options.OffsetMode);
        }
        catch (ProtocolFormatException e)
        {
            Log($"interface report rejected: {e.Message}");
            _ranges = [];
            return Errno.EINVAL;
        }

        return Errno.None;
    }

    private Errno AcceptCore()
    {
        switch (State)
        {
            case TioDeviceState.Accepted:
                return Errno.None;
            case TioDeviceState.Locked:
                break;
            default:
                return Errno.EINVAL;
        }

        var evidence = Evidence!;
        if (!evidence.Check.Verified)
        {
            Log($"accept refused: evidence {evidence.Check}");
            return Errno.EBADMSG;
        }

        if (_tsm.Options.Policy is { } policy)
        {
            var verdict = policy.Evaluate(evidence);
            PolicyVerdict = verdict;
            if (!verdict.Accepted)
            {
                Log($"accept refused by policy: {verdict.Reason}");
                return Errno.EACCES;
            }
        }

        var run = Op(TioOpAction.Run);
        if (run.Error != Errno.None)
        {
            return run.Error;
        }

        _running = true;
        var error = ConfirmRunning(evidence);
        if (error == Errno.None)
        {
            error = WriteSdte(enable: true);
        }

        foreach (var range in _ranges)
        {
            if (error != Errno.None)
            {
                break;
            }

            if (range.IsTee)
            {
                error = ValidateMmio(range, validate: true);
                if (error == Errno.None)
                {
                    _validated.Add(range);
                }
            }
        }

        if (error != Errno.None)
        {
            Log($"accept failed ({error}); rolling back");
            Op(TioOpAction.Stop);
            _running = false;
            Teardown();
            State = TioDeviceState.Error;
            return error;
        }

        var resources = new List<EncryptedMmioResource>(_validated.Count);
        foreach (var range in _validated)
        {
            resources.Add(new EncryptedMmioResource(range.Bar, range.Gpa, range.Size));
        }

        Device.SetEncryptedResources(resources);
        Device.CcAccepted = true;
        State = TioDeviceState.Accepted;
        Log($"accepted: {_validated.Count} TEE MMIO ranges encrypted, trusted DMA on (vTOM 0x{(ulong)_tsm.Options.VTomUnits << 21:X})");
        return Errno.None;
    }

    /// <summary>After RUN the TDI must report RUN and still carry the report whose digest was checked at lock.</summary>
    private Errno ConfirmRunning(DeviceEvidence locked)
    {
        var error = FetchEvidence(TioGuestRequestParam.State, out var now);
        if (error != Errno.None)
        {
            return error;
        }

        if (TdispState != TsmTdispState.Run)
        {
            Log($"TDI is {TdispState} after RUN");
            return Errno.EIO;
        }

        if (now!.Info.InterfaceReportDigest != locked.Info.InterfaceReportDigest)
        {
            Log("interface report changed between lock and accept");
            return Errno.EBADMSG;
        }

        return Errno.None;
    }

    private void Teardown()
    {
        if (_sdteWritten)
        {
            WriteSdte(enable: false);
        }

        for (var i = _validated.Count - 1; i >= 0; i--)
        {
            ValidateMmio(_validated[i], validate: false);
        }

        _validated.Clear();
    }

    private Errno FetchEvidence(TioGuestRequestParam param, out DeviceEvidence? evidence)
    {
        evidence = null;
        var pages = _tsm.Options.DataBufferPages;
        var error = _tsm.SharedPages.Allocate(pages, out var buffer);
        if (error != Errno.None)
        {
            return error;
        }

        var data = new SnpRequestData { GuestRid = GuestRid, Param = (ulong)param, DataGpa = buffer, DataPages = pages };
        error = _tsm.Channel.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(MessageId), _tsm.Options.MessageVersion, data, out var info);
        if (error == Errno.None)
        {
            error = ReadBlobs(data, info, out evidence);
        }
        else
        {
            Log($"TIO_MSG_TDI_INFO failed: {error}, firmware 0x{data.FirmwareError:X}, vmm {data.VmmError}");
        }

        if (data.DataGpa != 0)
        {
            _tsm.SharedPages.Free(data.DataGpa, data.DataPages);
        }

        return error;
    }

    private Errno ReadBlobs(SnpRequestData data, in TdiInfoResponse info, out DeviceEvidence? evidence)
    {
        evidence = null;
        if (info.TdiId != MessageId || info.Status != TdiBindStatus.Bound)
        {
            Log($"TDI_INFO: TDI {info.TdiId} is {info.Status}");
            return Errno.EIO;
        }

        if (data.Param > (ulong)TsmTdispState.Error)
        {
            Log($"TDI_INFO: hypervisor returned TDISP state {data.Param}");
            return Errno.EIO;
        }

        TdispState = (TsmTdispState)data.Param;

        // Copy the buffer out of shared memory once; every check runs on the private copy.
        var buffer = new byte[data.DataPages << PhysicalMemory.PageShift];
        if (!_tsm.Vcpu.Memory.Read(data.DataGpa, buffer, encrypted: false).Succeeded)
        {
            return Errno.EFAULT;
        }

        _tsm.ChargeCopy(buffer.Length);
        TioBlobTable table;
        try
        {
            table = TioBlobTable.Decode(buffer);
        }
        catch (ProtocolFormatException e)
        {
            Log($"TDI_INFO: blob table rejected: {e.Message}");
            return Errno.EBADMSG;
        }

        evidence = new DeviceEvidence(
            info,
            TdispState,
            table.GetBlob(buffer, TioBlobGuids.Report).ToArray(),
            table.GetBlob(buffer, TioBlobGuids.Certificates).ToArray(),
            table.GetBlob(buffer, TioBlobGuids.Measurements).ToArray());
        return Errno.None;
    }

    private Errno WriteSdte(bool enable)
    {
        var image = enable ? GuestSdteImage.Enable(_tsm.Options.VTomUnits) : GuestSdteImage.Clear();
        var data = new SnpRequestData { GuestRid = GuestRid, Param = enable ? SdteWriteParam.Validate : SdteWriteParam.Clear };
        var error = _tsm.Channel.Send<SdteWriteRequest, SdteWriteResponse>(new SdteWriteRequest(MessageId, image), _tsm.Options.MessageVersion, data, out var response);
        if (error == Errno.None && (response.TdiId != MessageId || response.Status != SdteWriteStatus.Success))
        {
            Log($"SDTE write ({(enable ? "enable" : "clear")}) failed: status {response.Status}");
            error = Errno.EIO;
        }
        else if (error != Errno.None)
        {
            Log($"SDTE write ({(enable ? "enable" : "clear")}) failed: {error}, firmware 0x{data.FirmwareError:X}");
        }

        // Cleared or not, unlock must not try again; an enable that failed may still have reached the PSP.
        _sdteWritten = enable;
        return error;
    }

    private Errno ValidateMmio(in TdiMmioRange range, bool validate)
    {
        var pages = (uint)(range.Size >> PhysicalMemory.PageShift);
        var request = new MmioValidateRequest(MessageId, range.Gpa, pages, 0, validate ? MmioValidateFlags.Validated : MmioValidateFlags.None, (ushort)range.Bar);
        var data = new SnpRequestData
        {
            GuestRid = GuestRid,
            Param = MmioRangeDescriptor.FromRange(range.Gpa, range.Size, (byte)range.Bar, validate).ToRdx(),
        };
        var error = _tsm.Channel.Send<MmioValidateRequest, MmioValidateResponse>(request, _tsm.Options.MessageVersion, data, out var response);
        var verb = validate ? "validation" : "invalidation";
        if (error != Errno.None)
        {
            Log($"MMIO #{range.Bar} 0x{range.Gpa:X}..0x{range.End - 1:X} {verb} failed: {error}, firmware 0x{data.FirmwareError:X}");
            return error;
        }

        if (response.TdiId != MessageId || response.SubrangeBase != range.Gpa || response.SubrangePageCount != pages || response.RangeId != range.Bar)
        {
            Log($"MMIO #{range.Bar} {verb}: the response describes another range");
            return Errno.EBADMSG;
        }

        if (response.Status != MmioValidateStatus.Success)
        {
            Log($"MMIO #{range.Bar} 0x{range.Gpa:X}..0x{range.End - 1:X} {verb} failed: status {response.Status}");
            return Errno.EIO;
        }

        Log($"MMIO #{range.Bar} 0x{range.Gpa:X}..0x{range.End - 1:X} {(validate ? "validated" : "invalidated")}");
        return Errno.None;
    }

    private Ghcb.TioOpResult Op(TioOpAction action)
    {
        var activity = SimSpan.Start(GuestTelemetry.Source, "ghcb.exit", Now);
        activity?.SetTag("sevtio.ghcb.exit", "SEV_TIO_OP");
        activity?.SetTag("sevtio.tio.action", action.ToString());
        var result = _tsm.Ghcb.TioOp(action, GuestRid);
        if (result.Error != Errno.None)
        {
            Log($"TIO_OP {action.ToString().ToUpperInvariant()} failed: {result.Error}, firmware 0x{result.FirmwareError:X}");
        }

        SimSpan.End(activity, Now);
        return result;
    }

    private void Log(string text) => _tsm.Log.Add(Now, $"sev-guest {Device.Address}: {text}");
}
