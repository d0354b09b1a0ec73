using System.Diagnostics;
using SevTio.Hw.Registers;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Hw.Device;

/// <summary>
/// The device's DMA engine, a descriptor-ring copy engine in the style of gem5's CopyEngine: an explicit state machine
/// (<see cref="DmaEngineState"/>: Idle → DescriptorFetch → DataTransfer → CompletionWrite → Interrupt → Idle) over a
/// ring of 64-byte <see cref="DmaDescriptor"/>s in host memory, programmed through registers in BAR 0.
/// </summary>
/// <remarks>
/// <para>The driver writes descriptors at ring slots [HEAD, TAIL) and moves TAIL (the doorbell). The engine fetches
/// the descriptor at HEAD with a DMA read, executes its transfers (<see cref="IDmaTransport"/>: packet or burst level),
/// posts a 16-byte <see cref="DmaCompletionRecord"/>, sends the descriptor's MSI-X vector, advances HEAD and goes on
/// while HEAD ≠ TAIL.</para>
/// <para>Registers (BAR 0): 0x00 ID "SDMA", 0x04 VERSION, 0x08 CTRL (EN, RST), 0x0C STATUS (STATE, BUSY),
/// 0x10 ERROR (last job's <see cref="DmaStatus"/>), 0x14 RING_SIZE (entries, a power of two from 2 to 4096),
/// 0x18/0x1C RING_BASE, 0x20 RING_HEAD, 0x24 RING_TAIL (doorbell), 0x28 JOBS_DONE, 0x2C DEVMEM_SIZE, 0x30 READ_TAGS.</para>
/// <para>Every request is authorised by the device's <see cref="TdiGate"/> (and Bus Master Enable) before it is
/// issued; the transport asks again per transfer, so a TDI leaving RUN stops the job.</para>
/// </remarks>
public sealed class DmaEngine : IDmaTransportClient, ISimEventHandler
{
    public const uint IdValue = 0x414D_4453; // "SDMA" little-endian
    public const int RegisterBytes = 0x1000;

    private static readonly ActivitySource s_activitySource = new(DmaStatistics.MeterName);

    private const long EventStep = 0;

    private readonly Scheduler _scheduler;
    private readonly TdispDevice _device;
    private readonly Register32 _ctrl;
    private readonly Register32 _ringSize;
    private readonly Register32 _ringBaseLo;
    private readonly Register32 _ringBaseHi;
    private readonly Register32 _head;
    private readonly Register32 _tail;
    private readonly Register32 _error;
    private readonly Register32 _jobsDone;
    private IDmaTransport? _transport;
    private DmaJob _job;
    private DmaDescriptor _descriptor;
    private DmaGrant _descriptorGrant;
    private SimTime _jobStart;
    private Activity? _jobSpan;
    private long _jobSequence;
    private bool _stepScheduled;

    internal DmaEngine(Scheduler scheduler, TdispDevice device, int readTags)
    {
        _scheduler = scheduler;
        _device = device;
        ReadTags = readTags;

        Registers = new RegisterBlock("DMA", RegisterBytes);
        Registers.Define(0x00, "ID", "Engine identification", IdValue).WithField(0, 32, FieldAccess.ReadOnly, "ID", "\"SDMA\"");
        Registers.Define(0x04, "VERSION", "Register layout version", 1).WithField(0, 32, FieldAccess.ReadOnly, "VER", "Version");
        _ctrl = Registers.Define(0x08, "CTRL", "Control")
            .WithFlag(0, FieldAccess.ReadWrite, "EN", "Enable: fetch descriptors while HEAD ≠ TAIL")
            .WithFlag(1, FieldAccess.ReadWrite, "RST", "Reset: write 1 to stop and clear HEAD, TAIL and ERROR (reads 0)")
            .WithReserved(2, 30);
        _ctrl.Written = (_, _, _) => OnControlWritten();
        var status = Registers.Define(0x0C, "STATUS", "Status").WithReserved(5, 27);
        status.Define(0, 4, FieldAccess.ReadOnly, "STATE", "Engine state (DmaEngineState)").ValueProvider = () => (uint)State;
        status.Define(4, 1, FieldAccess.ReadOnly, "BUSY", "A descriptor is being executed").ValueProvider = () => State is DmaEngineState.Idle or DmaEngineState.Halted ? 0u : 1u;
        _error = Registers.Define(0x10, "ERROR", "Status of the last job (DmaStatus)").WithField(0, 32, FieldAccess.ReadOnly, "CODE", "DmaStatus");
        _ringSize = Registers.Define(0x14, "RING_SIZE", "Ring entries (a power of two, 2-4096)", 64).WithField(0, 13, FieldAccess.ReadWrite, "N", "Entries").WithReserved(13, 19);
        _ringBaseLo = Registers.Define(0x18, "RING_BASE_LO", "Ring base address [31:6]").WithReserved(0, 6).WithField(6, 26, FieldAccess.ReadWrite, "BASE", "Ring base [31:6]");
        _ringBaseHi = Registers.Define(0x1C, "RING_BASE_HI", "Ring base address [63:32]").WithField(0, 32, FieldAccess.ReadWrite, "BASE", "Ring base [63:32]");
        _head = Registers.Define(0x20, "RING_HEAD", "Next descriptor the engine fetches").WithField(0, 12, FieldAccess.ReadOnly, "HEAD", "Head index").WithReserved(12, 20);
        _tail = Registers.Define(0x24, "RING_TAIL", "Doorbell: one past the last descriptor written").WithField(0, 12, FieldAccess.ReadWrite, "TAIL", "Tail index").WithReserved(12, 20);
        _tail.Written = (_, _, _) => OnDoorbell();
        _jobsDone = Registers.Define(0x28, "JOBS_DONE", "Descriptors completed").WithField(0, 32, FieldAccess.ReadOnly, "N", "Count");
        Registers.Define(0x2C, "DEVMEM_SIZE", "Device memory bytes", (uint)device.Memory.Size).WithField(0, 32, FieldAccess.ReadOnly, "BYTES", "Bytes");
        Registers.Define(0x30, "READ_TAGS", "Outstanding read requests supported", (uint)readTags).WithField(0, 16, FieldAccess.ReadOnly, "TAGS", "Tags").WithReserved(16, 16);
    }

    /// <summary>The register block in BAR 0.</summary>
    public RegisterBlock Registers { get; }

    public DmaEngineState State { get; private set; }

    /// <summary>How it moves data: set by the platform (packet or burst level).</summary>
    public IDmaTransport Transport
    {
        get => _transport ?? throw new InvalidOperationException("the DMA engine has no transport (attach the device to a platform)");
        set => _transport = value;
    }

    /// <summary>Time from the doorbell write reaching the device to the engine acting on it.</summary>
    public SimTime DoorbellLatency { get; set; } = SimTime.FromNanoseconds(10);

    public DmaStatistics Statistics { get; } = new();

    public ushort RequesterId => _device.RequesterId;

    public DeviceMemory Memory => _device.Memory;

    public int ReadTags { get; }

    /// <summary>The descriptor being executed (valid from DataTransfer until the next fetch).</summary>
    public DmaDescriptor CurrentDescriptor => _descriptor;

    /// <summary>The status of the last job (the ERROR register).</summary>
    public DmaStatus LastStatus => (DmaStatus)_error.StoredValue;

    public bool Enabled => _ctrl["EN"].IsSet;

    public int RingEntries => (int)_ringSize["N"].Value;

    public ulong RingBase => ((ulong)_ringBaseHi.StoredValue << 32) | (_ringBaseLo.StoredValue & ~63u);

    public int Head => (int)_head["HEAD"].Value;

    public int Tail => (int)_tail["TAIL"].Value;

    /// <summary>Raised (at the simulated time) when a job's completion record and interrupt have been issued.</summary>
    public event Action<DmaJobReport>? JobFinished;

    // ---------------------------------------------------------------- IDmaTransportClient

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public DmaGrant AuthorizeRequest(bool nonTee) => _device.AuthorizeRequest(nonTee);

    public bool AcceptCompletion(bool requestWasTee) => _device.Gate.AcceptCompletion(requestWasTee);

    public void OnDescriptorFetched(DmaStatus status, ReadOnlySpan<byte> descriptor)
    {
        if (State != DmaEngineState.DescriptorFetch)
        {
            return; // reset while the fetch was in flight
        }

        if (status != DmaStatus.Success)
        {
            // No completion address is known: the failure is reported in ERROR and the engine stops.
            Halt(status);
            return;
        }

        status = DmaDescriptor.TryRead(descriptor, out _descriptor);
        if (status != DmaStatus.Success)
        {
            FinishJob(status, 0, _scheduler.Now);
            return;
        }

        _job = new DmaJob(_descriptor, _jobSequence++, Memory.Size);
        var grant = AuthorizeRequest(_job.NonTee);
        if (!grant.Allowed)
        {
            FinishJob(RefusalStatus(grant.Refusal), 0, _scheduler.Now);
            return;
        }

        State = DmaEngineState.DataTransfer;
        Transport.StartDataPhase(_job);
    }

    public void OnDataPhaseDone(DmaStatus status, long transfersDone, SimTime dataEnd)
    {
        if (State != DmaEngineState.DataTransfer)
        {
            return;
        }

        FinishJob(status, transfersDone, dataEnd);
    }

    // ---------------------------------------------------------------- scheduling

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        _stepScheduled = false;
        if (State == DmaEngineState.Idle)
        {
            TryStartNext();
        }
    }

    private void OnDoorbell()
    {
        if (State == DmaEngineState.Idle && !_stepScheduled)
        {
            _stepScheduled = true;
            _scheduler.ScheduleAfter(DoorbellLatency, this, EventPriority.Default, EventStep);
        }
    }

    private void OnControlWritten()
    {
        if (_ctrl["RST"].IsSet)
        {
            _ctrl["RST"].IsSet = false;
            Reset();
            return;
        }

        if (Enabled && State == DmaEngineState.Halted)
        {
            State = DmaEngineState.Idle;
        }

        OnDoorbell();
    }

    /// <summary>Stops the engine and clears HEAD, TAIL and ERROR (CTRL.RST, or a Function Level Reset).</summary>
    public void Reset()
    {
        _transport?.Abort();
        State = DmaEngineState.Idle;
        _head["HEAD"].Value = 0;
        _tail["TAIL"].Value = 0;
        _error.StoredValue = 0;
        SimSpan.End(_jobSpan, _scheduler.Now);
        _jobSpan = null;
    }

    private void TryStartNext()
    {
        if (!Enabled || Head == Tail)
        {
            State = DmaEngineState.Idle;
            return;
        }

        var entries = RingEntries;
        if (entries < 2 || !int.IsPow2(entries) || entries > 4096 || Head >= entries)
        {
            Halt(DmaStatus.InvalidDescriptor);
            return;
        }

        _descriptorGrant = AuthorizeRequest(nonTee: false);
        if (!_descriptorGrant.Allowed)
        {
            Halt(RefusalStatus(_descriptorGrant.Refusal));
            return;
        }

        State = DmaEngineState.DescriptorFetch;
        _device.RefreshTransmitStream();
        _jobStart = _scheduler.Now;
        _jobSpan = SimSpan.Start(s_activitySource, "dma.job", _jobStart);
        Transport.FetchDescriptor(RingBase + ((ulong)Head * DmaDescriptor.Bytes), _descriptorGrant);
    }

    private void FinishJob(DmaStatus status, long transfersDone, SimTime dataEnd)
    {
        _error.StoredValue = (uint)status;
        var report = new DmaJobReport(_descriptor, status, transfersDone, _jobStart, SimTime.Max(dataEnd, _jobStart));
        Statistics.RecordJob(status == DmaStatus.Success, report.Duration);
        if (_jobSpan is not null)
        {
            _jobSpan.SetTag("sevtio.dma.cookie", (long)_descriptor.Cookie);
            _jobSpan.SetTag("sevtio.dma.status", status.ToString());
            _jobSpan.SetTag("sevtio.dma.transfers", transfersDone);
            _jobSpan.SetTag("sevtio.dma.bytes", transfersDone * _descriptor.Size);
            SimSpan.End(_jobSpan, report.End);
            _jobSpan = null;
        }

        State = DmaEngineState.CompletionWrite;
        if ((_descriptor.Flags & DmaDescriptorFlags.NoCompletionRecord) == 0)
        {
            // The record is the engine's own write, not the job's: T=1 in RUN even when the job asked for T=0, so
            // the driver learns why a refused job failed.
            var grant = AuthorizeRequest(nonTee: false);
            if (grant.Allowed)
            {
                Span<byte> record = stackalloc byte[DmaCompletionRecord.Bytes];
                new DmaCompletionRecord(status, (uint)transfersDone, _descriptor.Cookie).Write(record);
                Transport.PostWrite(_descriptor.CompletionAddress, record, grant);
            }
        }

        State = DmaEngineState.Interrupt;
        if ((_descriptor.Flags & DmaDescriptorFlags.Interrupt) != 0)
        {
            _device.SignalMsix(_descriptor.MsixVector);
        }

        _head["HEAD"].Value = (uint)((Head + 1) & (RingEntries - 1));
        _jobsDone.StoredValue++;
        State = DmaEngineState.Idle;
        JobFinished?.Invoke(report);
        TryStartNext();
    }

    private void Halt(DmaStatus status)
    {
        _error.StoredValue = (uint)status;
        if (State == DmaEngineState.DescriptorFetch)
        {
            Statistics.RecordJob(false, _scheduler.Now - _jobStart);
        }

        SimSpan.End(_jobSpan, _scheduler.Now);
        _jobSpan = null;
        State = DmaEngineState.Halted;
    }

    internal static DmaStatus RefusalStatus(TdiRefusal refusal) =>
        refusal == TdiRefusal.BusMasterDisabled ? DmaStatus.BusMasterDisabled : DmaStatus.TdiRefused;
}
