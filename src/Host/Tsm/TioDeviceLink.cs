using SevTio.Host.Pci;
using SevTio.Host.Psp;
using SevTio.Host.Snp;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Host.Tsm;

/// <summary>
/// The PCI TSM host side for one TEE-IO device in link mode (Linux drivers/crypto/ccp/sev-dev-tsm.c): connect
/// (DOE discovery, IDE stream registers, DEV_CREATE, DEV_CONNECT relayed over DOE, measurements, stream enable root
/// port then device), bind/run/stop/unbind of its TDIs for guests, key refresh, and disconnect with reclaim. It is
/// also the DOE relay of the PSP's SPDM traffic, where the host's misbehaviour hooks sit.
/// </summary>
public sealed class TioDeviceLink : ISpdmRelay
{
    private readonly Hypervisor _host;
    private readonly List<(byte[] Request, byte[]? Response)> _relayLog = [];
    private DoeMailboxDriver? _doe;
    private IdeCapabilityDriver? _rootPortIde;
    private IdeCapabilityDriver? _deviceIde;
    private FirmwareBuffer? _context;
    private SpdmBufferSet? _buffers;
    private ulong _dataPage;

    internal TioDeviceLink(Hypervisor host, TioDeviceConfiguration configuration)
    {
        _host = host;
        Configuration = configuration;
    }

    public TioDeviceConfiguration Configuration { get; }

    public ushort DeviceId => Configuration.DeviceId;

    public bool IsConnected { get; private set; }

    /// <summary>The certificate chain blob (DEV_CONNECT output), handed to guests as is.</summary>
    public byte[]? Certificates { get; private set; }

    /// <summary>The signed measurements blob (DEV_MEASUREMENTS output).</summary>
    public byte[]? Measurements { get; private set; }

    /// <summary>
    /// The DOE objects the host relayed and what came back (the first <see cref="RelayLogCapacity"/>): all the host
    /// ever sees of the SPDM traffic.
    /// </summary>
    public IReadOnlyList<(byte[] Request, byte[]? Response)> RelayLog => _relayLog;

    /// <summary>Entries <see cref="RelayLog"/> keeps (the log stops growing there; <see cref="Relays"/> keeps counting).</summary>
    public int RelayLogCapacity { get; init; } = 4096;

    /// <summary>DOE exchanges relayed for the PSP.</summary>
    public long Relays { get; private set; }

    public IReadOnlyList<TioTdiLink> Tdis => _tdis;

    /// <summary>Simulated time of the last successful <see cref="Connect"/>.</summary>
    public SimTime LastConnectTime { get; private set; }

    public PspReturnCode LastStatus { get; private set; }

    private readonly List<TioTdiLink> _tdis = [];

    private SevPspDriver Psp => _host.Psp;

    private SpdmBufferSet Buffers => _buffers ?? throw new InvalidOperationException("the device is not created at the PSP");

    private FirmwareBuffer Context => _context ?? throw new InvalidOperationException("the device is not created at the PSP");

    /// <summary>
    /// Connects the device: checks the DOE mailbox speaks secured CMA/SPDM, writes the IDE stream registers (Enable
    /// clear) on both ends, DEV_CREATE, DEV_CONNECT (SPDM session and IDE keys, relayed), DEV_MEASUREMENTS, then sets
    /// Enable on the root port and then the device. Returns the first failing PSP status.
    /// </summary>
    public PspReturnCode Connect() => HostTelemetry.TioOp(_host.Scheduler, "connect", () => ConnectCore());

    private PspReturnCode ConnectCore()
    {
        var start = _host.Scheduler.Now;
        if (IsConnected)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        var config = Configuration;
        _doe ??= DoeMailboxDriver.Find(_host.Pci, _host.Scheduler, _host.Timing, config.DeviceId, config.Segment);
        _rootPortIde ??= IdeCapabilityDriver.Find(_host.Pci, config.RootPortBdf, config.Segment);
        _deviceIde ??= IdeCapabilityDriver.Find(_host.Pci, config.DeviceId, config.Segment);
        if (_doe is null || _rootPortIde is null || _deviceIde is null
            || !_doe.Discover().Contains((DoeDataObjectHeader.PciSigVendorId, DoeDataObjectType.SecuredSpdm)))
        {
            return Fail(PspReturnCode.InvalidDeviceState);
        }

        // Stream registers first, keys later (the PSP programs them); the root port carries config requests, the
        // endpoint's stream is TEE-limited (Linux: RP ide_cfg=1, EP tee_limit=1).
        _rootPortIde.Configure(config.RootPortStreamIndex, config.StreamId, isDefault: true, teeLimited: false, configRequests: true, extraControl: config.IdeControlBits);
        _deviceIde.Configure(config.DeviceStreamIndex, config.StreamId, isDefault: true, teeLimited: true, configRequests: false, extraControl: config.IdeControlBits);

        if (_context is null)
        {
            var pages = (int)(_host.TioStatus.DeviceContextSize / 4096);
            _context = Psp.AllocateBuffer(pages, firmwareOwned: true);
            var status = Psp.Execute(new TioDevCreateCommand(_context.Sla, config.DeviceId, config.RootPortId, config.Segment));
            if (status != PspReturnCode.Success)
            {
                Psp.FreeBuffer(_context);
                _context = null;
                return Fail(status);
            }

            _buffers = new SpdmBufferSet(Psp, responsePages: config.ResponsePages, outputPages: config.OutputPages);
            _dataPage = Psp.DonateFirmwarePage();
        }

        var ids = IdeStreamIds.AllUnused();
        ids[0] = config.StreamId;
        var connect = Psp.ExecuteWithSpdm(control => new TioDevConnectCommand(control, Context.Sla, 1, 0, ids), Buffers, this);
        if (connect != PspReturnCode.Success)
        {
            return Fail(connect);
        }

        Certificates = Buffers.ReadOutputObject(DataObjectId.Certificate);
        if (config.FetchMeasurements)
        {
            var nonce = new byte[MeasurementNonce.Length];
            _host.Options.Random.NextBytes(nonce);
            var measured = RefreshMeasurements(nonce);
            if (measured != PspReturnCode.Success)
            {
                return Fail(measured);
            }
        }

        _rootPortIde.Enable(config.RootPortStreamIndex);
        _deviceIde.Enable(config.DeviceStreamIndex);
        IsConnected = true;
        LastConnectTime = _host.Scheduler.Now - start;
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>TIO_DEV_MEASUREMENTS with <paramref name="nonce"/> (32 bytes); keeps the signed measurements blob.</summary>
    public PspReturnCode RefreshMeasurements(byte[] nonce) => HostTelemetry.TioOp(_host.Scheduler, "refresh_measurements", () => RefreshMeasurementsCore(nonce));

    private PspReturnCode RefreshMeasurementsCore(byte[] nonce)
    {
        var status = Psp.ExecuteWithSpdm(
            control => new TioDevMeasurementsCommand(TioDevMeasurementsFlags.None, control, Context.Sla, MeasurementNonce.FromBytes(nonce)),
            Buffers,
            this);
        if (status == PspReturnCode.Success)
        {
            Measurements = Buffers.ReadOutputObject(DataObjectId.Measurement);
        }

        return LastStatus = status;
    }

    /// <summary>TIO_DEV_CERTIFICATES: the chain again from the PSP.</summary>
    public PspReturnCode RefreshCertificates()
    {
        var status = Psp.ExecuteWithSpdm(control => new TioDevCertificatesCommand(control, Context.Sla), Buffers, this);
        if (status == PspReturnCode.Success)
        {
            Certificates = Buffers.ReadOutputObject(DataObjectId.Certificate);
        }

        return LastStatus = status;
    }

    /// <summary>TIO_ROLL_KEY: fresh IDE keys in place (the re-connect of an already connected device).</summary>
    public PspReturnCode RollKey() =>
        LastStatus = Psp.ExecuteWithSpdm(control => new TioRollKeyCommand(control, Context.Sla), Buffers, this);

    /// <summary>TIO_DEV_STATUS.</summary>
    public PspReturnCode ReadDeviceStatus(out TioDeviceStatus status)
    {
        status = default;
        var result = Psp.Execute(new TioDevStatusCommand(Context.Sla, _dataPage));
        if (result == PspReturnCode.Success)
        {
            status = TioDeviceStatus.Decode(Psp.ReadRaw(_dataPage, TioDeviceStatus.Size));
        }

        return LastStatus = result;
    }

    /// <summary>
    /// Disconnects: unbinds every TDI, DEV_DISCONNECT (retried with FORCE on failure), DEV_RECLAIM and the pages back,
    /// then Enable cleared on the device and then the root port.
    /// </summary>
    public PspReturnCode Disconnect(bool force = false) => HostTelemetry.TioOp(_host.Scheduler, "disconnect", () => DisconnectCore(force));

    private PspReturnCode DisconnectCore(bool force)
    {
        foreach (var tdi in _tdis.ToArray())
        {
            if (tdi.IsBound || tdi.Context is not null)
            {
                Unbind(tdi);
            }
        }

        if (_context is null)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        var flags = force ? TioDevDisconnectFlags.Force : TioDevDisconnectFlags.None;
        var status = Psp.ExecuteWithSpdm(control => new TioDevDisconnectCommand(flags, control, Context.Sla), Buffers, this);
        if (status != PspReturnCode.Success && !force)
        {
            status = Psp.ExecuteWithSpdm(control => new TioDevDisconnectCommand(TioDevDisconnectFlags.Force, control, Context.Sla), Buffers, this);
        }

        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        _deviceIde?.Disable(Configuration.DeviceStreamIndex);
        _rootPortIde?.Disable(Configuration.RootPortStreamIndex);
        IsConnected = false;

        status = Psp.Execute(new TioDevReclaimCommand(Context.Sla));
        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        Psp.FreeBuffer(Context);
        _context = null;
        Buffers.Free();
        _buffers = null;
        Psp.ReclaimFirmwarePage(_dataPage);
        _dataPage = 0;
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>A configuration write to the device, as any host may do (while a TDI is locked this is the misbehaviour the device must catch).</summary>
    public void WriteDeviceConfig(int offset, uint value, int byteEnables = 0xF) =>
        _host.Pci.Write(Configuration.DeviceId, offset, value, byteEnables, Configuration.Segment);

    // ---- TDIs ------------------------------------------------------------------------------------------------------

    internal TioTdiLink Assign(ushort requesterId, SnpGuest guest, ushort guestRid)
    {
        var tdi = new TioTdiLink(this, requesterId, guest, guestRid);
        _tdis.Add(tdi);
        guest.AddDevice(guestRid, tdi);
        return tdi;
    }

    /// <summary>
    /// BIND: TDI_CREATE, TDI_BIND (TDISP LOCK + report), TDI_STATUS, then every page of the report's TEE ranges
    /// RMPUPDATEd private to the guest at its GPA and mapped in its nested page table.
    /// </summary>
    public PspReturnCode Bind(TioTdiLink tdi) => HostTelemetry.TioOp(_host.Scheduler, "bind", () => BindCore(tdi));

    private PspReturnCode BindCore(TioTdiLink tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        if (tdi.IsBound)
        {
            return PspReturnCode.InvalidTdiState;
        }

        // A guest may ask (SEV_TIO_OP) before the host has created the device at the PSP.
        if (_context is null)
        {
            return Fail(PspReturnCode.InvalidDeviceState);
        }

        if (tdi.Context is null)
        {
            tdi.Context = Psp.AllocateBuffer((int)(_host.TioStatus.TdiContextSize / 4096), firmwareOwned: true);
            var created = Psp.Execute(new TioTdiCreateCommand(Context.Sla, tdi.Context.Sla, tdi.InterfaceId));
            if (created != PspReturnCode.Success)
            {
                Psp.FreeBuffer(tdi.Context);
                tdi.Context = null;
                return Fail(created);
            }
        }

        var status = Psp.ExecuteWithSpdm(
            control => new TioTdiBindCommand(control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress, tdi.GuestRid, Configuration.LockFlags, TioTdiRunFlags.None),
            Buffers,
            this);
        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        tdi.IsBound = true;
        tdi.HasRun = false;
        SaveReport(tdi);
        ReadTdiStatus(tdi, out _);
        MakeMmioPrivate(tdi);
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>RUN: TDI_STATUS (already RUN is fine; it must be CONFIG_LOCKED), then TDI_BIND with RUN_FORCE.</summary>
    public PspReturnCode Run(TioTdiLink tdi) => HostTelemetry.TioOp(_host.Scheduler, "run", () => RunCore(tdi));

    private PspReturnCode RunCore(TioTdiLink tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        if (!tdi.IsBound || tdi.Context is null)
        {
            return Fail(PspReturnCode.InvalidTdiState);
        }

        var status = ReadTdiStatus(tdi, out var state);
        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        if (state == TsmTdispState.Run)
        {
            return LastStatus = PspReturnCode.Success;
        }

        if (state != TsmTdispState.ConfigLocked)
        {
            return Fail(PspReturnCode.InvalidTdiState);
        }

        status = Psp.ExecuteWithSpdm(
            control => new TioTdiBindCommand(control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress, tdi.GuestRid, Configuration.LockFlags, TioTdiRunFlags.RunForce),
            Buffers,
            this);
        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        tdi.HasRun = true;
        tdi.LastState = TsmTdispState.Run;
        SaveReport(tdi);
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>STOP: TDI_UNBIND (TDISP STOP_INTERFACE), retried with FORCE when the device does not answer.</summary>
    public PspReturnCode Stop(TioTdiLink tdi) => HostTelemetry.TioOp(_host.Scheduler, "stop", () => StopCore(tdi));

    private PspReturnCode StopCore(TioTdiLink tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        if (!tdi.IsBound || tdi.Context is null)
        {
            return LastStatus = PspReturnCode.Success;
        }

        var status = Psp.ExecuteWithSpdm(
            control => new TioTdiUnbindCommand(TioTdiUnbindFlags.None, control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress),
            Buffers,
            this);
        if (status != PspReturnCode.Success)
        {
            status = Psp.ExecuteWithSpdm(
                control => new TioTdiUnbindCommand(TioTdiUnbindFlags.Force, control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress),
                Buffers,
                this);
        }

        if (status != PspReturnCode.Success)
        {
            return Fail(status);
        }

        tdi.IsBound = false;
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>
    /// UNBIND (sev-dev-tsm.c order): TDI_UNBIND if still bound, TDI_STATUS, TDI_RECLAIM and the context pages back,
    /// ASID_FENCE_STATUS and, if fenced after a run, ASID_FENCE_CLEAR; then the MMIO pages RMPUPDATEd back to shared.
    /// </summary>
    public PspReturnCode Unbind(TioTdiLink tdi) => HostTelemetry.TioOp(_host.Scheduler, "unbind", () => UnbindCore(tdi));

    private PspReturnCode UnbindCore(TioTdiLink tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        var status = Stop(tdi);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (tdi.Context is not null)
        {
            ReadTdiStatus(tdi, out _);
            status = Psp.Execute(new TioTdiReclaimCommand(Context.Sla, tdi.Context.Sla));
            if (status != PspReturnCode.Success)
            {
                return Fail(status);
            }

            Psp.FreeBuffer(tdi.Context);
            tdi.Context = null;
        }

        if (ReadFenceStatus(tdi.Guest.Asid, out var fence) == PspReturnCode.Success && (fence.DmaFenced || fence.MmioFenced) && tdi.HasRun)
        {
            status = Psp.Execute(new TioAsidFenceClearCommand(Context.Sla, tdi.Guest.GuestContextAddress));
            if (status != PspReturnCode.Success)
            {
                return Fail(status);
            }
        }

        MakeMmioShared(tdi);
        tdi.HasRun = false;
        tdi.Report = null;
        tdi.ParsedReport = null;
        return LastStatus = PspReturnCode.Success;
    }

    /// <summary>TIO_TDI_REPORT: fetches the report again (a fresh copy for the guest).</summary>
    public PspReturnCode RefreshReport(TioTdiLink tdi) => HostTelemetry.TioOp(_host.Scheduler, "refresh_report", () => RefreshReportCore(tdi));

    private PspReturnCode RefreshReportCore(TioTdiLink tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        if (tdi.Context is null)
        {
            return Fail(PspReturnCode.InvalidTdiState);
        }

        var status = Psp.ExecuteWithSpdm(control => new TioTdiReportCommand(control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress), Buffers, this);
        if (status == PspReturnCode.Success)
        {
            SaveReport(tdi);
        }

        return LastStatus = status;
    }

    /// <summary>TIO_TDI_STATUS: the TDISP state, asked of the device through the PSP.</summary>
    public PspReturnCode ReadTdiStatus(TioTdiLink tdi, out TsmTdispState state)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        state = default;
        if (tdi.Context is null)
        {
            return PspReturnCode.InvalidTdiContext;
        }

        var status = Psp.ExecuteWithSpdm(control => new TioTdiStatusCommand(control, Context.Sla, tdi.Context.Sla, _dataPage), Buffers, this);
        if (status == PspReturnCode.Success)
        {
            state = TioTdiStatus.Decode(Psp.ReadRaw(_dataPage, TioTdiStatus.Size)).State;
            tdi.LastState = state;
        }

        return status;
    }

    /// <summary>TIO_TDI_INFO: the 192-byte info with the three digests.</summary>
    public PspReturnCode ReadTdiInfo(TioTdiLink tdi, out TioTdiInfo info)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        info = default;
        if (tdi.Context is null)
        {
            return PspReturnCode.InvalidTdiContext;
        }

        var status = Psp.Execute(new TioTdiInfoCommand(Context.Sla, tdi.Context.Sla, _dataPage));
        if (status == PspReturnCode.Success)
        {
            info = TioTdiInfo.Decode(Psp.ReadRaw(_dataPage, TioTdiInfo.Size));
        }

        return status;
    }

    /// <summary>TIO_ASID_FENCE_STATUS for <paramref name="asid"/> toward this device.</summary>
    public PspReturnCode ReadFenceStatus(int asid, out AsidFenceStatus fence)
    {
        fence = default;
        if (_context is null)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        var status = Psp.Execute(new TioAsidFenceStatusCommand(Context.Sla, (uint)asid, _dataPage));
        if (status == PspReturnCode.Success)
        {
            fence = AsidFenceStatus.Decode(Psp.ReadRaw(_dataPage, AsidFenceStatus.Size));
        }

        return status;
    }

    internal PspReturnCode GuestRequest(TioTdiLink tdi, ulong requestPage, ulong responsePage) =>
        tdi.Context is null
            ? PspReturnCode.InvalidTdiContext
            : Psp.ExecuteWithSpdm(
                control => new TioGuestRequestCommand(control, Context.Sla, tdi.Context.Sla, tdi.Guest.GuestContextAddress, requestPage, responsePage),
                Buffers,
                this);

    // ---- relay ----------------------------------------------------------------------------------------------------

    byte[]? ISpdmRelay.Relay(DoeDataObjectType type, byte[] payload)
    {
        var misbehaviour = _host.Options.Misbehaviour;
        var index = _host.NextDoeExchange();
        byte[]? request = DoeDataObject.Encode(type, payload);
        if (misbehaviour.AlterDoeRequest is { } alterRequest)
        {
            request = alterRequest(index, request);
        }

        byte[]? response = null;
        if (request is not null && request.Length >= 8 && (request.Length & 3) == 0)
        {
            _doe!.Exchange(request, out response);
        }

        if (response is not null && misbehaviour.AlterDoeResponse is { } alterResponse)
        {
            response = alterResponse(index, response);
        }

        Relays++;
        if (_relayLog.Count < RelayLogCapacity)
        {
            _relayLog.Add((request ?? [], response));
        }
        if (response is null)
        {
            return null;
        }

        try
        {
            var header = DoeDataObject.Decode(response, out var reply);
            return header.DataObjectType == type ? reply.ToArray() : null;
        }
        catch (ProtocolFormatException)
        {
            return null;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private void SaveReport(TioTdiLink tdi)
    {
        var report = Buffers.ReadOutputObject(DataObjectId.Report);
        if (report is null)
        {
            return;
        }

        tdi.Report = report;
        try
        {
            tdi.ParsedReport = TdispDeviceInterfaceReport.Decode(report);
        }
        catch (ProtocolFormatException)
        {
            tdi.ParsedReport = null;
        }
    }

    /// <summary>RMPUPDATE of every page of the report's TEE ranges: assigned to the guest's ASID at its GPA, mutable, not validated (KVM_SEV_SNP_MMIO_RMP_UPDATE).</summary>
    private void MakeMmioPrivate(TioTdiLink tdi)
    {
        if (tdi.ParsedReport is not { } report)
        {
            return;
        }

        var offset = tdi.Guest.Configuration.GuestMmioOffset;
        foreach (var range in report.MmioRanges)
        {
            if ((range.Attributes & TdispMmioRangeAttributes.IsNonTeeMem) != 0)
            {
                continue;
            }

            for (ulong i = 0; i < range.NumberOfPages; i++)
            {
                var spa = range.FirstPage + (i * 4096);
                var gpa = spa + offset;
                _host.Scheduler.Advance(_host.Timing.RmpUpdate);
                if (_host.Rmp.RmpUpdate(spa, RmpUpdateState.Guest(tdi.Guest.Asid, gpa)) == RmpStatus.Success)
                {
                    tdi.Guest.Map.Map(gpa, spa);
                    tdi.PrivateMmioPages.Add(spa);
                }
            }
        }
    }

    private void MakeMmioShared(TioTdiLink tdi)
    {
        foreach (var spa in tdi.PrivateMmioPages)
        {
            _host.Scheduler.Advance(_host.Timing.RmpUpdate);
            _host.Rmp.RmpUpdate(spa, RmpUpdateState.Hypervisor());
        }

        tdi.PrivateMmioPages.Clear();
    }

    private PspReturnCode Fail(PspReturnCode status) => LastStatus = status;
}
