using System.Buffers.Binary;
using System.Diagnostics;
using SevTio.Hw.Registers;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Hw.Doe;

/// <summary>
/// The Data Object Exchange mailbox (PCIe 6.x §6.30, Extended Capability 002Eh §7.9.24) as registers with named
/// fields: Capabilities (04h), Control (08h: Abort, Go), Status (0Ch: Busy, Error, Data Object Ready), Write Data
/// Mailbox (10h) and Read Data Mailbox (14h). Software writes an object one DW at a time, sets Go, polls Status, then
/// reads the response one DW at a time, writing the Read Data Mailbox after each DW to advance.
/// </summary>
/// <remarks>
/// <para>On Go the mailbox checks the object before the responder sees it: fewer than 2 DW written, a Length of 1, a
/// Length beyond or short of what was written, more than 2^18 DW (1 MiB), or a (vendor, type) the responder does not
/// list set DOE Error and drop the object (§6.30.2). Error stays set, and further writes and Go are ignored, until
/// software writes Abort, which also drops any object in either direction.</para>
/// <para>Time: every register access is one configuration request, charged by whoever issues it (the host's config
/// accessor). The responder's own processing time is <see cref="ResponseLatency"/>: with a scheduler and a positive
/// latency, Busy stays set that long after Go and the response appears from an event; otherwise it is ready at once.</para>
/// <para>Interrupts, the attention mechanism and async messages are not modelled: their bits read 0 and are logged.</para>
/// <para>Telemetry (with a scheduler): one <c>doe.exchange</c> span (<see cref="ActivitySourceName"/>) per accepted
/// object, from Go until software has read the last DW of the response (or Abort, Error, no response, or a new Go);
/// the responder runs inside it, so the firmware's own spans nest under it.</para>
/// </remarks>
public sealed class DoeMailbox : RegisterBlock, ISimEventHandler
{
    public const ushort ExtendedCapabilityId = 0x002E;
    public const byte CapabilityVersion = 1;

    /// <summary>Bytes of the capability: header, Capabilities, Control, Status, Write and Read Data Mailbox.</summary>
    public const int CapabilitySize = 0x18;

    public const int CapabilitiesOffset = 0x04;
    public const int ControlOffset = 0x08;
    public const int StatusOffset = 0x0C;
    public const int WriteDataMailboxOffset = 0x10;
    public const int ReadDataMailboxOffset = 0x14;

    public const uint ControlAbort = 1u << 0;
    public const uint ControlInterruptEnable = 1u << 1;
    public const uint ControlGo = 1u << 31;

    public const uint StatusBusy = 1u << 0;
    public const uint StatusInterrupt = 1u << 1;
    public const uint StatusError = 1u << 2;
    public const uint StatusDataObjectReady = 1u << 31;

    /// <summary>Largest object: 2^18 DW = 1 MiB (a Length field of 0).</summary>
    public const int MaxObjectDw = 1 << 18;

    public const string ActivitySourceName = "SevTio.Doe";
    public const string ExchangeSpan = "doe.exchange";

    private const int LengthMask = MaxObjectDw - 1;

    private static readonly ActivitySource s_activitySource = new(ActivitySourceName);

    private readonly IDoeResponder _responder;
    private readonly Scheduler? _scheduler;
    private uint[] _incoming = new uint[256];
    private int _incomingCount;
    private bool _overflow;
    private byte[]? _pendingRequest;
    private EventHandle _completion;
    private bool _busy;
    private bool _error;
    private byte[]? _response;
    private int _responseDw;
    private int _readIndex;
    private Activity? _exchangeSpan;
    private Activity? _exchangeCaller;

    /// <param name="responder">The firmware behind the mailbox.</param>
    /// <param name="scheduler">Needed only when <paramref name="responseLatency"/> is positive.</param>
    /// <param name="responseLatency">Time from Go to Data Object Ready (the responder's processing; <c>doe.response_latency</c>).</param>
    /// <param name="log">Where logged accesses go (the config space's log when null and linked).</param>
    public DoeMailbox(IDoeResponder responder, Scheduler? scheduler = null, SimTime responseLatency = default, RegisterAccessLog? log = null)
        : base("DOE", CapabilitySize, log)
    {
        ArgumentNullException.ThrowIfNull(responder);
        if (responseLatency < SimTime.Zero)
        {
            throw new ParameterException("doe.response_latency", responseLatency.ToString(), "must not be negative");
        }

        if (responseLatency > SimTime.Zero && scheduler is null)
        {
            throw new ArgumentException("a positive response latency needs a scheduler", nameof(scheduler));
        }

        _responder = responder;
        _scheduler = scheduler;
        ResponseLatency = responseLatency;

        Define(CapabilitiesOffset, "DOE_CAP", "DOE Capabilities Register")
            .WithFlag(0, FieldAccess.ReadOnly, "INTSUP", "DOE Interrupt Support")
            .WithField(1, 11, FieldAccess.ReadOnly, "INTMSG", "DOE Interrupt Message Number")
            .WithFlag(12, FieldAccess.ReadOnly, "ATTN", "DOE Attention Mechanism Support", modelled: false)
            .WithFlag(13, FieldAccess.ReadOnly, "ASYNC", "DOE Async Message Support", modelled: false)
            .WithReserved(14, 18);

        var control = Define(ControlOffset, "DOE_CTL", "DOE Control Register")
            .WithFlag(0, FieldAccess.ReadWrite, "ABORT", "DOE Abort")
            .WithFlag(1, FieldAccess.ReadWrite, "INTEN", "DOE Interrupt Enable", modelled: false)
            .WithFlag(2, FieldAccess.ReadWrite, "ATTNN", "DOE Attention Needed", modelled: false)
            .WithFlag(3, FieldAccess.ReadWrite, "ASYNCEN", "DOE Async Message Enable", modelled: false)
            .WithReserved(4, 27)
            .WithFlag(31, FieldAccess.ReadWrite, "GO", "DOE Go");
        control.Written = OnControlWritten;

        var status = Define(StatusOffset, "DOE_STS", "DOE Status Register");
        status.Define(0, 1, FieldAccess.ReadOnly, "BUSY", "DOE Busy").ValueProvider = () => _busy ? 1u : 0u;
        status.Define(1, 1, FieldAccess.WriteOneToClear, "INTSTS", "DOE Interrupt Status", modelled: false);
        status.Define(2, 1, FieldAccess.ReadOnly, "ERROR", "DOE Error").ValueProvider = () => _error ? 1u : 0u;
        status.Define(3, 1, FieldAccess.ReadOnly, "ASYNCSTS", "DOE Async Message Status", modelled: false);
        status.Define(4, 1, FieldAccess.ReadOnly, "ATATTN", "DOE At Attention", modelled: false);
        status.WithReserved(5, 26);
        status.Define(31, 1, FieldAccess.ReadOnly, "DOR", "Data Object Ready").ValueProvider = () => _response is null ? 0u : 1u;

        var write = Define(WriteDataMailboxOffset, "DOE_WMB", "DOE Write Data Mailbox Register")
            .Define(0, 32, FieldAccess.ReadWrite, "DATA", "DOE Write Data Mailbox");
        write.ValueProvider = static () => 0;
        write.Written = (field, _, value) =>
        {
            field.Register.StoredValue = 0;
            OnWriteDataMailbox(value);
        };

        var read = Define(ReadDataMailboxOffset, "DOE_RMB", "DOE Read Data Mailbox Register")
            .Define(0, 32, FieldAccess.ReadWrite, "DATA", "DOE Read Data Mailbox");
        read.ValueProvider = CurrentResponseDw;
        read.Written = (field, _, _) =>
        {
            field.Register.StoredValue = 0;
            OnReadDataMailboxWritten();
        };
    }

    /// <summary>Time from Go to Data Object Ready.</summary>
    public SimTime ResponseLatency { get; }

    public bool IsBusy => _busy;

    public bool HasError => _error;

    public bool DataObjectReady => _response is not null;

    /// <summary>Why Error was last set (cleared by Abort).</summary>
    public DoeMailboxError LastError { get; private set; }

    /// <summary>Objects handed to the responder.</summary>
    public long ObjectsDelivered { get; private set; }

    /// <summary>Responses made available to software.</summary>
    public long ResponsesReady { get; private set; }

    /// <summary>Objects refused with Error.</summary>
    public long ObjectsRefused { get; private set; }

    /// <summary>Objects the responder left unanswered.</summary>
    public long ObjectsUnanswered { get; private set; }

    public long Aborts { get; private set; }

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1) => Complete();

    private void OnWriteDataMailbox(uint value)
    {
        if (_busy || _error)
        {
            // Writes while Busy are undefined (§6.30.2) and an errored instance waits for Abort: the DW is dropped.
            Log?.Add(new RegisterLogEntry(RegisterLogKind.UnmappedAccess, Name, "DOE_WMB", BaseOffset + WriteDataMailboxOffset, value, 0));
            return;
        }

        if (_incomingCount == MaxObjectDw)
        {
            _overflow = true;
            return;
        }

        if (_incomingCount == _incoming.Length)
        {
            Array.Resize(ref _incoming, Math.Min(_incoming.Length * 2, MaxObjectDw));
        }

        _incoming[_incomingCount++] = value;
    }

    private void OnControlWritten(Register32 control, uint before, uint after)
    {
        // Abort and Go are write-one-to-act; both always read 0.
        control.StoredValue &= ~(ControlAbort | ControlGo);
        if ((after & ControlAbort) != 0)
        {
            Abort();
            return;
        }

        if ((after & ControlGo) != 0)
        {
            Go();
        }
    }

    private void Abort()
    {
        Aborts++;
        if (_scheduler is not null)
        {
            _scheduler.Cancel(_completion);
        }

        _completion = default;
        _pendingRequest = null;
        _busy = false;
        _error = false;
        LastError = DoeMailboxError.None;
        ClearIncoming();
        ClearResponse();
        EndExchange("aborted");
    }

    private void Go()
    {
        if (_busy || _error)
        {
            return;
        }

        var problem = Validate();
        if (problem != DoeMailboxError.None)
        {
            Refuse(problem);
            return;
        }

        var request = new byte[_incomingCount * 4];
        for (var i = 0; i < _incomingCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(i * 4), _incoming[i]);
        }

        var protocol = new DoeProtocol((ushort)_incoming[0], (byte)(_incoming[0] >> 16));
        ClearIncoming();

        // A new request replaces any response software did not finish reading.
        ClearResponse();
        EndExchange("replaced");
        _pendingRequest = request;
        _busy = true;
        var caller = Activity.Current;
        StartExchange(protocol, request.Length / 4);
        if (ResponseLatency > SimTime.Zero)
        {
            _completion = _scheduler!.ScheduleAfter(ResponseLatency, this, EventPriority.Completion);
        }
        else
        {
            Complete();
        }

        // The exchange outlives the Go write: the caller's current activity is its own again.
        Activity.Current = caller;
    }

    private void StartExchange(DoeProtocol protocol, int requestDw)
    {
        if (_scheduler is null)
        {
            return;
        }

        _exchangeCaller = Activity.Current;
        _exchangeSpan = SimSpan.Start(s_activitySource, ExchangeSpan, _scheduler.Now);
        _exchangeSpan?.SetTag("sevtio.doe.protocol", protocol.ToString());
        _exchangeSpan?.SetTag("sevtio.doe.request_dw", (long)requestDw);
    }

    private void EndExchange(string outcome)
    {
        var span = _exchangeSpan;
        if (span is null)
        {
            return;
        }

        _exchangeSpan = null;
        var current = Activity.Current;
        span.SetTag("sevtio.doe.outcome", outcome);
        SimSpan.End(span, _scheduler!.Now);

        // Stop() makes the span's own caller current; whoever ends it (a read of the last DW) keeps its own.
        Activity.Current = ReferenceEquals(current, span) ? _exchangeCaller : current;
        _exchangeCaller = null;
    }

    private DoeMailboxError Validate()
    {
        if (_overflow)
        {
            return DoeMailboxError.Overflow;
        }

        if (_incomingCount < 2)
        {
            return DoeMailboxError.Truncated;
        }

        var lengthField = (int)(_incoming[1] & LengthMask);
        var length = lengthField == 0 ? MaxObjectDw : lengthField;
        if (length == 1)
        {
            return DoeMailboxError.LengthOne;
        }

        if (length > _incomingCount)
        {
            return DoeMailboxError.LengthBeyondWritten;
        }

        if (length < _incomingCount)
        {
            return DoeMailboxError.LengthShorterThanWritten;
        }

        var protocol = new DoeProtocol((ushort)_incoming[0], (byte)(_incoming[0] >> 16));
        foreach (var supported in _responder.Protocols)
        {
            if (supported == protocol)
            {
                return DoeMailboxError.None;
            }
        }

        return DoeMailboxError.UnsupportedProtocol;
    }

    private void Complete()
    {
        var request = _pendingRequest;
        _pendingRequest = null;
        _completion = default;
        _busy = false;
        if (request is null)
        {
            return;
        }

        ObjectsDelivered++;

        // The responder (the device's firmware) runs inside the exchange, so its spans nest under it.
        var caller = Activity.Current;
        if (_exchangeSpan is not null)
        {
            Activity.Current = _exchangeSpan;
        }

        byte[]? response;
        try
        {
            response = _responder.Respond(request);
        }
        finally
        {
            Activity.Current = caller;
        }

        if (response is null)
        {
            ObjectsUnanswered++;
            EndExchange("unanswered");
            return;
        }

        var dws = (response.Length + 3) / 4;
        if (dws < 2 || dws > MaxObjectDw)
        {
            Refuse(DoeMailboxError.BadResponse);
            EndExchange("bad_response");
            return;
        }

        _exchangeSpan?.SetTag("sevtio.doe.response_dw", (long)dws);

        if ((response.Length & 3) != 0)
        {
            Array.Resize(ref response, dws * 4);
        }

        _response = response;
        _responseDw = dws;
        _readIndex = 0;
        ResponsesReady++;
    }

    private void Refuse(DoeMailboxError reason)
    {
        ObjectsRefused++;
        _error = true;
        LastError = reason;
        ClearIncoming();
    }

    private uint CurrentResponseDw() =>
        _response is null ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(_response.AsSpan(_readIndex * 4));

    private void OnReadDataMailboxWritten()
    {
        if (_response is null)
        {
            return;
        }

        if (++_readIndex == _responseDw)
        {
            ClearResponse();
            EndExchange("read");
        }
    }

    private void ClearIncoming()
    {
        _incomingCount = 0;
        _overflow = false;
        if (_incoming.Length > 4096)
        {
            _incoming = new uint[256];
        }
    }

    private void ClearResponse()
    {
        _response = null;
        _responseDw = 0;
        _readIndex = 0;
    }
}
