using System.Runtime.CompilerServices;
using SevTio.Hw.Pcie.Faults;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>
/// One end of a <see cref="PcieLink"/>: the transmitter of one direction (with its view of the peer's credits) and the
/// receiver of the other. <see cref="TrySend"/> admits a TLP if the peer has credits for it and the transmit queue has
/// room, and schedules its delivery; otherwise it refuses and later calls <see cref="RetryListener"/>
/// (gem5-style backpressure).
/// </summary>
/// <remarks>
/// <para>Credits are consumed when a TLP is admitted and come back <see cref="LinkParameters.CreditReturnLatency"/>
/// after the receiver frees the buffer: at delivery, or, with <see cref="ManualCreditReturn"/> on the receiving port,
/// when its owner calls <see cref="ReturnCredits"/>. Returns are applied lazily from a time-ordered queue, so the
/// steady state costs one event per TLP (its delivery); a wake-up event is scheduled only while a sender is stalled.</para>
/// <para>A TLP is admitted at <c>now</c>, enters the serialiser after <see cref="TransmitPipelineLatency"/> (e.g. the
/// IDE encryption pipeline) once the previous TLP has left, and is delivered after the propagation latency plus the
/// peer's <see cref="ReceivePipelineLatency"/>.</para>
/// </remarks>
public sealed class LinkPort : ISimEventHandler
{
    private const long EventDeliver = 0;
    private const long EventWake = 1;

    private readonly Scheduler _scheduler;
    private readonly LinkTiming _timing;
    private readonly ExactRate _byteTime;
    private readonly int[] _creditLimitHeader = new int[3];
    private readonly int[] _creditLimitData = new int[3];
    private readonly long[] _outstandingHeader = new long[3];
    private readonly long[] _outstandingData = new long[3];

    private InFlightEntry[] _inFlight = new InFlightEntry[64];
    private long _head;
    private long _tail;
    private long _serializing;

    private CreditReturn[] _returns = new CreditReturn[64];
    // Two shapes per flow-control class: a device's posted bursts alternate between with and without an IDE Sync.
    private readonly PacingMemo[] _pacing = new PacingMemo[6];
    private long _returnHead;
    private long _returnTail;

    private SimTime _busyUntil;
    private long _carry;

    // The last two burst sizes, split once (a burst-level job repeats its sizes, posted bursts with and without an
    // IDE Sync: no 64-bit division per burst).
    private ExactRateStep _burstStep = new(-1, SimTime.Zero, 0);
    private ExactRateStep _previousBurstStep = new(-1, SimTime.Zero, 0);

    private bool _retryWanted;
    private FlowControlType _blockedType;
    private int _blockedData;
    private EventHandle _wake = EventHandle.None;
    private SimTime _wakeAt = SimTime.MaxValue;

    internal LinkPort(Scheduler scheduler, LinkTiming timing, string name, FlowControlCredits peerCredits)
    {
        _scheduler = scheduler;
        _timing = timing;
        _byteTime = timing.ByteTime;
        Name = name;
        SetPeerCredits(peerCredits);
    }

    public string Name { get; }

    /// <summary>The port at the other end.</summary>
    public LinkPort Peer { get; internal set; } = null!;

    public LinkTiming Timing => _timing;

    /// <summary>Gets TLPs that arrive at this port.</summary>
    public ILinkReceiver? Receiver { get; set; }

    /// <summary>
    /// Faults on the IDE-protected posted requests this port delivers to its peer (soak runs; not messages such as IDE
    /// Sync, as at the burst level): a hit TLP has one bit of
    /// its payload or MAC flipped, or is never delivered. Null: none.
    /// </summary>
    public LinkFaultInjector? Faults { get; set; }

    /// <summary>Told when a refused send can be retried.</summary>
    public ILinkSendRetry? RetryListener { get; set; }

    /// <summary>Latency between admitting a TLP and it entering the serialiser (pipelined: throughput is unaffected).</summary>
    public SimTime TransmitPipelineLatency { get; set; }

    /// <summary>Latency between a TLP arriving at this port and its delivery to <see cref="Receiver"/> (pipelined).</summary>
    public SimTime ReceivePipelineLatency { get; set; }

    /// <summary>
    /// When true, this port (as a receiver) returns credits itself with <see cref="ReturnCredits"/> (e.g. when its
    /// buffer drains into memory); when false they return automatically at delivery.
    /// </summary>
    public bool ManualCreditReturn { get; set; }

    /// <summary>Most TLPs admitted but not yet fully serialised; further sends are refused.</summary>
    public int TransmitQueueLimit { get; set; } = 64;

    /// <summary>Counters of this port's transmit direction.</summary>
    public LinkStatistics Statistics { get; } = new();

    /// <summary>When the serialiser of this direction becomes free.</summary>
    public SimTime TransmitBusyUntil => _busyUntil;

    /// <summary>
    /// When the serialiser starts on the TLP (or burst) admitted last: the moment its first bit goes on the wire. DMA
    /// latency is measured from here (minus <see cref="TransmitPipelineLatency"/>), the same at both fidelity levels.
    /// </summary>
    public SimTime LastAdmittedStart { get; private set; }

    /// <summary>TLPs admitted but not yet delivered.</summary>
    public long InFlight => _tail - _head;

    /// <summary>Replaces the credits the peer advertises (InitFC). Only valid while nothing is outstanding.</summary>
    public void SetPeerCredits(FlowControlCredits credits)
    {
        credits.Validate();
        for (var t = 0; t < 3; t++)
        {
            if (_outstandingHeader[t] != 0 || _outstandingData[t] != 0)
            {
                throw new InvalidOperationException("cannot change credits while TLPs are outstanding");
            }

            _creditLimitHeader[t] = credits.Header((FlowControlType)t);
            _creditLimitData[t] = credits.Data((FlowControlType)t);
            _pacing[2 * t] = default;
            _pacing[(2 * t) + 1] = default;
        }
    }

    /// <summary>Credits currently available to this transmitter for a class (int.MaxValue when infinite).</summary>
    public (int Header, int Data) AvailableCredits(FlowControlType type)
    {
        ApplyReturns(_scheduler.Now);
        var t = (int)type;
        var h = _creditLimitHeader[t] == 0 ? int.MaxValue : (int)(_creditLimitHeader[t] - _outstandingHeader[t]);
        var d = _creditLimitData[t] == 0 ? int.MaxValue : (int)(_creditLimitData[t] - _outstandingData[t]);
        return (h, d);
    }

    /// <summary>Whether a TLP of this class and payload would be admitted now (without admitting it).</summary>
    public bool CanSend(FlowControlType type, int payloadBytes)
    {
        var now = _scheduler.Now;
        ApplyReturns(now);
        AdvanceSerializing(now);
        return HasCredits((int)type, FlowControlCredits.DataCreditsFor(payloadBytes)) && _tail - _serializing < TransmitQueueLimit;
    }

    /// <summary>
    /// Admits <paramref name="tlp"/> for transmission, or refuses it (returns false) when the peer lacks credits or the
    /// queue is full; after a refusal <see cref="RetryListener"/> is called once the TLP would fit. On success the link
    /// owns the TLP until it hands it to the peer's <see cref="Receiver"/>.
    /// </summary>
    public bool TrySend(Tlp tlp)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        var now = _scheduler.Now;
        ApplyReturns(now);
        AdvanceSerializing(now);

        var type = (int)tlp.Header.FlowControlType;
        var payload = tlp.Layout.PayloadBytes;
        var dataCredits = FlowControlCredits.DataCreditsFor(payload);
        if (!HasCredits(type, dataCredits))
        {
            Statistics.CreditStalls++;
            Block((FlowControlType)type, dataCredits);
            return false;
        }

        if (_tail - _serializing >= TransmitQueueLimit)
        {
            Statistics.QueueStalls++;
            Block((FlowControlType)type, dataCredits);
            return false;
        }

        _outstandingHeader[type]++;
        _outstandingData[type] += dataCredits;

        var wireBytes = tlp.Length + _timing.FramingBytes;
        var start = SimTime.Max(now + TransmitPipelineLatency, _busyUntil);
        LastAdmittedStart = start;
        var duration = _byteTime.Advance(wireBytes, ref _carry);
        var end = start + duration;
        _busyUntil = end;
        var delivery = end + _timing.Parameters.PropagationLatency + Peer.ReceivePipelineLatency;

        if (_tail - _head == _inFlight.Length)
        {
            GrowInFlight();
        }

        _inFlight[_tail & (_inFlight.Length - 1)] = new InFlightEntry(tlp, end.Picoseconds);
        _tail++;

        if (!Peer.ManualCreditReturn)
        {
            EnqueueReturn(delivery + _timing.Parameters.CreditReturnLatency, type, 1, dataCredits);
        }

        var s = Statistics;
        s.TlpsSent++;
        s.PayloadBytes += payload;
        s.TlpBytes += tlp.Length;
        s.WireBytes += wireBytes;
        s.BusyPicoseconds += duration.Picoseconds;
        _scheduler.Schedule(delivery, this, EventPriority.Completion, EventDeliver);
        return true;
    }

    /// <summary>
    /// Burst-level use: occupies this direction's serialiser for <paramref name="wireBytes"/> (framing and IDE bytes
    /// included, from <see cref="LinkTiming"/>'s cost functions) without per-TLP events or credit accounting, and
    /// returns when the burst starts, ends and arrives. Keeps the same exact time accumulator as packet-level sends.
    /// </summary>
    public BurstReservation ReserveBurst(long wireBytes, long tlps, long payloadBytes) =>
        ReserveBurst(_scheduler.Now, wireBytes, tlps, payloadBytes);

    /// <summary>
    /// As <see cref="ReserveBurst(long, long, long)"/>, for a burst the sender will not have ready before
    /// <paramref name="earliest"/> (a read completion waiting for host memory, a request waiting for a free tag): the
    /// burst level computes such times ahead of the scheduler, so the serialiser takes them in the order reserved.
    /// </summary>
    public BurstReservation ReserveBurst(SimTime earliest, long wireBytes, long tlps, long payloadBytes) =>
        Reserve(earliest, wireBytes, tlps, payloadBytes, SimTime.Zero);

    /// <summary>
    /// As <see cref="ReserveBurst(SimTime, long, long, long)"/> for <paramref name="tlps"/> TLPs of flow-control class
    /// <paramref name="type"/>, paced as the peer's credits pace them in steady state: when the credits cover fewer TLPs
    /// than fit in one credit round trip (transmit pipeline, serialisation, propagation, receive pipeline, credit return
    /// latency; <see cref="LinkTiming.CreditLimitedInterval"/>), the burst lasts a TLP per round trip / TLPs in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BurstReservation ReserveBurst(SimTime earliest, long wireBytes, long tlps, long payloadBytes, FlowControlType type) =>
        Reserve(earliest, wireBytes, tlps, payloadBytes, Pacing(wireBytes, tlps, payloadBytes, type));

    /// <summary>The shortest a burst of this shape may last under the peer's credits (zero when they do not limit it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SimTime Pacing(long wireBytes, long tlps, long payloadBytes, FlowControlType type)
    {
        // Bursts of a job repeat the same shapes: the pacing is worked out once per shape.
        ref var memo = ref _pacing[2 * (int)type];
        var pipelines = TransmitPipelineLatency + Peer.ReceivePipelineLatency;
        if (memo.WireBytes == wireBytes && memo.Tlps == tlps && memo.PayloadBytes == payloadBytes && memo.Pipelines == pipelines)
        {
            return memo.Minimum;
        }

        ref var previous = ref _pacing[(2 * (int)type) + 1];
        if (previous.WireBytes == wireBytes && previous.Tlps == tlps && previous.PayloadBytes == payloadBytes && previous.Pipelines == pipelines)
        {
            return previous.Minimum;
        }

        return RememberPacing(wireBytes, tlps, payloadBytes, type, pipelines);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SimTime RememberPacing(long wireBytes, long tlps, long payloadBytes, FlowControlType type, SimTime pipelines)
    {
        var minimum = SimTime.Zero;
        if (tlps > 0)
        {
            var t = (int)type;
            var perTlp = FlowControlCredits.DataCreditsFor((int)Math.Min(int.MaxValue, payloadBytes / tlps));
            long byHeader = _creditLimitHeader[t] == 0 ? long.MaxValue : _creditLimitHeader[t];
            long byData = _creditLimitData[t] == 0 || perTlp == 0 ? long.MaxValue : _creditLimitData[t] / Math.Max(1, perTlp);
            var inFlight = Math.Min(byHeader, byData);
            if (inFlight != long.MaxValue)
            {
                var serialization = _byteTime.TimeFor(wireBytes / tlps);
                var roundTrip = _timing.CreditRoundTrip(serialization, TransmitPipelineLatency, Peer.ReceivePipelineLatency);
                minimum = LinkTiming.CreditLimitedInterval(serialization, roundTrip, Math.Max(1, inFlight)) * tlps;
            }
        }

        _pacing[(2 * (int)type) + 1] = _pacing[2 * (int)type];
        _pacing[2 * (int)type] = new PacingMemo(wireBytes, tlps, payloadBytes, pipelines, minimum);
        return minimum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private BurstReservation Reserve(SimTime earliest, long wireBytes, long tlps, long payloadBytes, SimTime minimumDuration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(wireBytes);
        var now = SimTime.Max(_scheduler.Now, earliest);
        var start = SimTime.Max(now + TransmitPipelineLatency, _busyUntil);
        LastAdmittedStart = start;
        if (_burstStep.Bytes != wireBytes)
        {
            SwitchBurstStep(wireBytes);
        }

        var duration = _byteTime.Advance(in _burstStep, ref _carry);
        var end = start + SimTime.Max(duration, minimumDuration);
        _busyUntil = end;
        var s = Statistics;
        s.Bursts++;
        s.TlpsSent += tlps;
        s.TlpsDelivered += tlps;
        s.PayloadBytes += payloadBytes;
        s.WireBytes += wireBytes;
        s.TlpBytes += wireBytes - (tlps * _timing.FramingBytes);
        s.BusyPicoseconds += duration.Picoseconds;
        return new BurstReservation(start, end, end + _timing.Parameters.PropagationLatency + Peer.ReceivePipelineLatency);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SwitchBurstStep(long wireBytes) =>
        (_burstStep, _previousBurstStep) = (_previousBurstStep.Bytes == wireBytes ? _previousBurstStep : _byteTime.Step(wireBytes), _burstStep);

    /// <summary>
    /// Called by the owner of this port (as a receiver with <see cref="ManualCreditReturn"/>) when it frees buffer space:
    /// the peer's transmitter sees the credits after the credit return latency.
    /// </summary>
    public void ReturnCredits(FlowControlType type, int headerCredits, int dataCredits)
    {
        if (!ManualCreditReturn)
        {
            throw new InvalidOperationException($"{Name} returns credits automatically; set ManualCreditReturn to return them explicitly");
        }

        Peer.EnqueueReturn(_scheduler.Now + _timing.Parameters.CreditReturnLatency, (int)type, headerCredits, dataCredits);
    }

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        if (arg0 == EventDeliver)
        {
            Deliver();
        }
        else
        {
            Wake(scheduler.Now);
        }
    }

    private void Deliver()
    {
        ref var slot = ref _inFlight[_head & (_inFlight.Length - 1)];
        var tlp = slot.Tlp;
        slot = default;
        _head++;
        if (_serializing < _head)
        {
            _serializing = _head;
        }

        Statistics.TlpsDelivered++;
        if (Faults is { Armed: true } && tlp.Layout.HasIdePrefix && tlp.Header.FlowControlType == FlowControlType.Posted && tlp.Header.Type != TlpType.Message && !ApplyFault(tlp))
        {
            tlp.Release(); // dropped on the wire
            return;
        }

        var receiver = Peer.Receiver;
        if (receiver is null)
        {
            // Nothing attached: the TLP falls off the end of the link (tests that only measure the wire).
            tlp.Release();
            return;
        }

        receiver.OnTlpReceived(Peer, tlp);
    }

    /// <summary>False when the injector drops <paramref name="tlp"/>; flips a bit of it when it corrupts it.</summary>
    private bool ApplyFault(Tlp tlp)
    {
        if (!Faults!.TryHit(1, out _, out var kind, out var entropy))
        {
            return true;
        }

        // One fault at a time, as at the burst level: until the receiver's check catches it and the device is
        // re-established (the run re-arms the injector), the link's traffic is what the fault already cost.
        Faults.Armed = false;

        if (kind == LinkFaultKind.Drop)
        {
            return false;
        }

        var mac = tlp.Mac;
        var payload = tlp.Payload;
        var target = (!mac.IsEmpty && ((entropy & 1) != 0 || payload.IsEmpty)) ? mac : payload;
        if (!target.IsEmpty)
        {
            var bit = (int)((entropy >> 1) % (uint)(target.Length * 8));
            target[bit >> 3] ^= (byte)(1 << (bit & 7));
        }

        return true;
    }

    private void Wake(SimTime now)
    {
        _wake = EventHandle.None;
        _wakeAt = SimTime.MaxValue;
        if (!_retryWanted)
        {
            return;
        }

        ApplyReturns(now);
        AdvanceSerializing(now);
        var creditsOk = HasCredits((int)_blockedType, _blockedData);
        var queueOk = _tail - _serializing < TransmitQueueLimit;
        if (creditsOk && queueOk)
        {
            _retryWanted = false;
            RetryListener?.OnSendRetry(this);
            return;
        }

        ScheduleWake(now);
    }

    private void Block(FlowControlType type, int data)
    {
        _retryWanted = true;
        _blockedType = type;
        _blockedData = data;
        ScheduleWake(_scheduler.Now);
    }

    /// <summary>Schedules a wake at the next moment something that could unblock the sender happens.</summary>
    private void ScheduleWake(SimTime now)
    {
        var next = SimTime.MaxValue;
        if (_returnTail != _returnHead)
        {
            next = new SimTime(_returns[_returnHead & (_returns.Length - 1)].Time);
        }

        if (_tail - _serializing >= TransmitQueueLimit)
        {
            var end = new SimTime(_inFlight[_serializing & (_inFlight.Length - 1)].EndPs);
            next = SimTime.Min(next, end);
        }

        if (next == SimTime.MaxValue)
        {
            // Waiting for a manual credit return; EnqueueReturn schedules the wake.
            return;
        }

        next = SimTime.Max(next, now);
        if (!_wake.IsNone)
        {
            if (_wakeAt <= next)
            {
                return;
            }

            _scheduler.Cancel(_wake);
        }

        _wakeAt = next;
        _wake = _scheduler.Schedule(next, this, EventPriority.CreditReturn, EventWake);
    }

    private void EnqueueReturn(SimTime at, int type, int header, int data)
    {
        if (_returnTail - _returnHead == _returns.Length)
        {
            GrowReturns();
        }

        _returns[_returnTail & (_returns.Length - 1)] = new CreditReturn(at.Picoseconds, type, header, data);
        _returnTail++;
        if (_retryWanted && (_wake.IsNone || at < _wakeAt))
        {
            ScheduleWake(_scheduler.Now);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ApplyReturns(SimTime now)
    {
        var mask = _returns.Length - 1;
        while (_returnHead != _returnTail)
        {
            ref var r = ref _returns[_returnHead & mask];
            if (r.Time > now.Picoseconds)
            {
                break;
            }

            _outstandingHeader[r.Type] -= r.Header;
            _outstandingData[r.Type] -= r.Data;
            _returnHead++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AdvanceSerializing(SimTime now)
    {
        var mask = _inFlight.Length - 1;
        while (_serializing < _tail && _inFlight[_serializing & mask].EndPs <= now.Picoseconds)
        {
            _serializing++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HasCredits(int type, int dataCredits)
    {
        var hLimit = _creditLimitHeader[type];
        var dLimit = _creditLimitData[type];
        return (hLimit == 0 || _outstandingHeader[type] + 1 <= hLimit) &&
               (dLimit == 0 || _outstandingData[type] + dataCredits <= dLimit);
    }

    private void GrowInFlight()
    {
        var bigger = new InFlightEntry[_inFlight.Length * 2];
        for (var i = _head; i < _tail; i++)
        {
            bigger[i & (bigger.Length - 1)] = _inFlight[i & (_inFlight.Length - 1)];
        }

        _inFlight = bigger;
    }

    private void GrowReturns()
    {
        var bigger = new CreditReturn[_returns.Length * 2];
        for (var i = _returnHead; i < _returnTail; i++)
        {
            bigger[i & (bigger.Length - 1)] = _returns[i & (_returns.Length - 1)];
        }

        _returns = bigger;
    }

    public override string ToString() => $"{Name} (busy until {_busyUntil}, {InFlight} in flight)";

    private readonly record struct InFlightEntry(Tlp Tlp, long EndPs);

    private readonly record struct CreditReturn(long Time, int Type, int Header, int Data);

    private readonly record struct PacingMemo(long WireBytes, long Tlps, long PayloadBytes, SimTime Pipelines, SimTime Minimum);
}
