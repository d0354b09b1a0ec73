using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Pcie.Faults;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>
/// The DMA engine's burst level (<c>sim.fidelity=burst</c>, the default): a few events per job instead of one per TLP.
/// Each transfer reserves its bytes on the link direction it uses (<see cref="LinkPort.ReserveBurst(SimTime, long, long, long)"/>,
/// the same exact time accumulator as packet-level sends), with its wire bytes from the same <see cref="LinkTiming"/>
/// equations the packet level's TLPs obey (framing, headers, MPS/MRRS/RCB splitting, IDE prefix, MAC, PCRC,
/// aggregation, IDE Sync messages); the root port's own rules (<see cref="RootPort.CommitTime"/>,
/// <see cref="RootPort.ReadReadyTime"/>) add the IOMMU's translation latency and the host read latency; read
/// requests wait for one of the device's tags.
/// </summary>
/// <remarks>
/// <para>Granularity: the IOMMU is asked once per 4 KiB page of a write transfer (per request for reads); TLPs of a
/// page after its first are charged an IOTLB and RMP-cache hit, as their packet-level translations would be. Flow
/// control is applied in its steady state (a burst lasts at least a TLP per credit round trip / TLPs in flight); the
/// packet level models the credit stalls themselves.</para>
/// <para>The event handler runs ahead of the scheduler by at most <see cref="Lookahead"/> of link time, then yields;
/// the TDI enforcement is asked per transfer at the moment the transfer is planned.</para>
/// <para>Functional mode moves real bytes through real cryptography: each transfer's TLPs are built from device
/// memory and sealed by the device's IDE stream, then verified and written by the root port (fused decrypt → memory
/// encrypt); read completions are read from memory and sealed by the root port, then verified and stored in device
/// memory — through <see cref="DmaDataPipeline"/>, on one or two threads. Timing mode does no cipher work, copies
/// nothing and runs on the simulation thread alone: completing planned writes on a second thread cost more in hand-offs
/// than it saved on a 2-core host (BenchmarkDotNet TimingBulkWrite ≈ 17 ms offloaded against 9 ms inline), and the
/// worker's IOMMU and RMP-cache work would have needed a fence against guest-CPU RMP checks during a data phase.</para>
/// </remarks>
public sealed class BurstDmaTransport : IDmaTransport, ISimEventHandler, IDisposable
{
    private const long EventSlice = 0;
    private const long EventDescriptor = 1;
    private const long EventReadDone = 2;
    private const long EventMessage = 3;
    private const long EventFailMessage = 4;

    private readonly Scheduler _scheduler;
    private readonly TdispDevice _device;
    private readonly DmaEngine _client;
    private readonly RootPort _root;
    private readonly LinkTiming _timing;
    private readonly LinkPort _up;
    private readonly LinkPort _down;
    private readonly bool _functional;
    private readonly DmaDataPipeline? _pipeline;
    private readonly TransferCostCache _writeCosts;
    private readonly TransferCostCache _requestCosts;
    private readonly TransferCostCache _completionCosts;
    private readonly byte[] _descriptor = new byte[DmaDescriptor.Bytes];
    private readonly Queue<(ulong Address, uint Data, bool Tee)> _messages = new();
    private readonly int _mps;
    private readonly int _mrrs;
    private long[] _tagFree = [];
    private readonly SimTime _repeatTranslation;
    private readonly int _mpsShift;
    private long _proportionWire = -1;
    private long _proportionThrough;
    private long _proportionPayload;
    private SimTime _proportion;

    // The run of equal committed write transfers not yet recorded (see RecordWrite).
    private long _runCount;
    private int _runBytes;
    private SimTime _runLatency;
    private SimTime _runFirstIssued;
    private SimTime _runLastDone;

    private IdeLinkOverhead _posted;
    private IdeLinkOverhead _nonPosted;
    private IdeLinkOverhead _completions;
    private IdeStream? _deviceStream;
    private int _teeStreamId = -1;
    private IdeStream? _rootStream;
    private long _postedSinceSync;
    private int _syncWireBytes;

    private DmaJob _job;
    private bool _dataActive;
    private long _next;
    private long _done;
    private DmaStatus _status;
    private SimTime _lastArrival;
    private DmaStatus _descriptorStatus;
    private bool _descriptorTee;
    private DmaBatch? _batch;
    private bool _sliceScheduled;
    private long _generation;
    private ulong _sequentialAddress;
    private ulong _sequentialWrap;

    // A read transfer in progress (requests are planned one by one).
    private bool _inRead;
    private ulong _readAddress;
    private long _readDeviceOffset;
    private long _readRemaining;
    private ulong _readCursor;
    private SimTime _readIssued;
    private SimTime _readLast;
    private bool _readFailed;
    private bool _readTee;

    // Link faults (soak): decided here, on the simulation thread, per write transfer.
    private bool _linkFailed;
    private long _hitCountdown = -1;
    private LinkFaultKind _hitKind;
    private uint _hitEntropy;
    private LinkFaultKind _pendingDetection;
    private bool _transferLost;

    /// <param name="device">The device whose DMA engine this transport serves.</param>
    /// <param name="root">The root port at the other end of <paramref name="link"/>.</param>
    /// <param name="link">The link (its timing and both directions' serialisers).</param>
    /// <param name="functional">Real bytes and cryptography, or lengths and timing only.</param>
    /// <param name="repeatTranslationLatency">What a translation of a page already translated costs (IOTLB hit plus RMP-cache hit).</param>
    /// <param name="workers">1: the functional data path runs inline; 2: its consuming side runs on a worker thread.</param>
    public BurstDmaTransport(TdispDevice device, RootPort root, PcieLink link, bool functional, SimTime repeatTranslationLatency, int workers = 1)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(link);
        _device = device;
        _client = device.Dma;
        _scheduler = device.Scheduler;
        _root = root;
        _timing = link.Timing;
        _up = link.UpstreamPort;
        _down = link.DownstreamPort;
        _functional = functional;
        _mps = link.Parameters.MaxPayloadSize;
        _mrrs = link.Parameters.MaxReadRequestSize;
        _writeCosts = new TransferCostCache((a, n) => _timing.WriteCost(a, n, _posted));
        _requestCosts = new TransferCostCache((a, n) => _timing.ReadRequestCost(a, n, _nonPosted));
        _completionCosts = new TransferCostCache((a, n) => _timing.CompletionCost(a, n, _completions));
        _mpsShift = System.Numerics.BitOperations.Log2((uint)_mps);
        _repeatTranslation = repeatTranslationLatency;
        device.Ide.AttachTiming(_up);

        if (functional)
        {
            _pipeline = new DmaDataPipeline(root, device, workers, _mps);
        }
    }

    /// <summary>How far ahead of the scheduler one event may plan link time.</summary>
    public SimTime Lookahead { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>IDE Sync messages charged (one per 245 posted TLPs of the device, §6.33.7).</summary>
    public long SyncMessages { get; private set; }

    /// <summary>
    /// Faults injected on the device's IDE-protected write TLPs (null: none). Hit TLPs really are corrupted or
    /// removed in functional mode, so the root port's own MAC check detects them; timing mode takes the same decisions
    /// without bytes and marks the stream Insecure as the check would.
    /// </summary>
    public LinkFaultInjector? Faults { get; set; }

    /// <summary>Injected faults the receiver detected (its stream went Insecure).</summary>
    public long FaultsDetected { get; private set; }

    /// <summary>Of <see cref="FaultsDetected"/>: those the root port's real IDE check caught (functional mode).</summary>
    public long FaultsDetectedByCheck { get; private set; }

    /// <summary>Write transfers lost to link faults (hit, or sent after detection and dropped by the Insecure stream).</summary>
    public long TransfersLostToFaults { get; private set; }

    /// <summary>True from a detected fault until the stream is Secure again (new keys after recovery).</summary>
    public bool LinkFailed => _linkFailed;

    /// <summary>Batches the functional data path consumed.</summary>
    public long BatchesConsumed => _pipeline?.BatchesConsumed ?? 0;

    /// <summary>Waits for the functional data path to finish everything planned so far.</summary>
    public void Drain() => _pipeline?.Drain();

    public void Dispose() => _pipeline?.Dispose();

    // ---------------------------------------------------------------- IDmaTransport

    public void FetchDescriptor(ulong address, DmaGrant grant)
    {
        Drain();
        RefreshIde();
        var tee = grant.TeeOriginated;
        DetectPending();
        var request = _requestCosts.Get(address, DmaDescriptor.Bytes);
        var sent = _up.ReserveBurst(_scheduler.Now, request.WireBytes, request.Tlps, 0, FlowControlType.NonPosted);
        var t = _root.Translate(_client.RequesterId, address, DmaDescriptor.Bytes, MemoryAccess.Read, tee, tee ? _teeStreamId : -1);
        var ready = _root.ReadReadyTime(sent.Arrival, in t);
        BurstReservation back;
        if (_linkFailed && _deviceStream is not null)
        {
            // The root port's half of the stream is Insecure: it answers nothing on it (§6.33.8).
            back = sent;
            _descriptorStatus = DmaStatus.IdeFailure;
        }
        else if (t.Allowed)
        {
            var cpl = _completionCosts.Get(address, DmaDescriptor.Bytes);
            back = _down.ReserveBurst(ready, cpl.WireBytes, cpl.Tlps, DmaDescriptor.Bytes, FlowControlType.Completion);
            _root.FillCompletion(in t, 0, _descriptor);
            _descriptorStatus = DmaStatus.Success;
        }
        else
        {
            back = _down.ReserveBurst(ready, RefusalWireBytes(), 1, 0);
            _descriptorStatus = RootPort.RefusalStatus(in t) == CompletionStatus.CompleterAbort ? DmaStatus.CompleterAbort : DmaStatus.UnsupportedRequest;
        }

        _descriptorTee = tee;
        _scheduler.Schedule(back.Arrival, this, EventPriority.Completion, EventDescriptor, _generation);
    }

    public void StartDataPhase(in DmaJob job)
    {
        RefreshIde();
        _job = job;
        _sequentialAddress = job.AddressOf(0);
        _sequentialWrap = job.SequentialWrap;
        _dataActive = true;
        _next = 0;
        _done = 0;
        _status = DmaStatus.Success;
        _lastArrival = _scheduler.Now;
        _inRead = false;
        if (!job.IsWrite)
        {
            if (_tagFree.Length != _client.ReadTags)
            {
                _tagFree = new long[_client.ReadTags];
            }

            // All tags free now; kept as a binary min-heap of the times they free up (tags are interchangeable).
            Array.Fill(_tagFree, _scheduler.Now.Picoseconds);
        }

        Slice();
    }

    public void PostWrite(ulong address, ReadOnlySpan<byte> data, DmaGrant grant)
    {
        Drain();
        var tee = grant.TeeOriginated;
        DetectPending();
        var sent = ReservePosted(address, data.Length);
        if (_linkFailed && _deviceStream is not null)
        {
            return; // dropped by the root port's Insecure stream: nothing after a detected fault is committed
        }

        var t = _root.Translate(_client.RequesterId, address, data.Length, MemoryAccess.Write, tee, tee ? _teeStreamId : -1);
        if (t.Allowed)
        {
            // Control data (completion records) is real in both crypto modes: software reads it.
            _root.CommitTime(sent.Arrival, in t, data.Length);
            _root.WriteControl(in t, data);
        }
    }

    public void PostMessage(ulong address, uint data, DmaGrant grant)
    {
        DetectPending();
        var sent = ReservePosted(address, 4);
        if (_linkFailed && _deviceStream is not null)
        {
            return;
        }

        if (_root.IsMessageAddress(address))
        {
            // Messages arrive in the order they were serialised: a FIFO pairs each delivery event with its message.
            _messages.Enqueue((address, data, grant.TeeOriginated));
            _scheduler.Schedule(sent.Arrival, this, EventPriority.Completion, EventMessage);
        }
        else
        {
            // A message address outside the interrupt window is an ordinary DMA write.
            Drain();
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, data);
            var t = _root.Translate(_client.RequesterId, address, 4, MemoryAccess.Write, grant.TeeOriginated, grant.TeeOriginated ? _teeStreamId : -1);
            if (t.Allowed)
            {
                _root.CommitTime(sent.Arrival, in t, 4);
                _root.WriteControl(in t, bytes);
            }
        }
    }

    public void Abort()
    {
        _dataActive = false;
        _inRead = false;
        _generation++;
        SubmitBatch();
    }

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        switch (arg0)
        {
            case EventSlice:
                _sliceScheduled = false;
                Slice();
                break;
            case EventDescriptor:
                if (arg1 != _generation)
                {
                    break; // the engine was reset while the fetch was in flight
                }

                var status = _descriptorStatus;
                if (status == DmaStatus.Success && !_client.AcceptCompletion(_descriptorTee))
                {
                    status = DmaStatus.CompletionDiscarded;
                }

                _client.OnDescriptorFetched(status, _descriptor);
                break;
            case EventReadDone:
                if (arg1 == _generation)
                {
                    FinishDataPhase();
                }

                break;
            case EventMessage:
                var message = _messages.Dequeue();
                _root.DeliverMessage(_client.RequesterId, message.Address, message.Data, message.Tee);
                break;
            case EventFailMessage:
                // The root port's IDE Fail message reached the device: its stream goes Insecure, which moves a bound
                // TDI to ERROR (TDISP §11.2.6) and stops its DMA.
                _device.Ide.FindStream((byte)arg1)?.OnFailMessageReceived();
                break;
        }
    }

    // ---------------------------------------------------------------- data phase

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private void Slice()
    {
        if (!_dataActive)
        {
            return;
        }

        var horizon = _scheduler.Now + Lookahead;
        if (_job.IsWrite)
        {
            var count = _job.Count;

            // No event runs inside one slice, and planning a timing-mode write changes neither the TDI's state, its
            // bound stream nor BME: the device's answer for the slice's first transfer is its answer for the rest. A
            // link fault (its detection fences the TDI) and functional mode (its data path runs the real IDE checks)
            // ask per transfer.
            var askEachTransfer = _functional || Faults is not null || _linkFailed;
            var granted = false;
            var tee = false;
            while (_next < count && _status == DmaStatus.Success)
            {
                if (_up.TransmitBusyUntil > horizon)
                {
                    // Come back when half the lookahead has drained, so each event plans half a lookahead of transfers.
                    FlushWriteRun();
                    Yield(_up.TransmitBusyUntil - (Lookahead / 2));
                    return;
                }

                if (!granted || askEachTransfer)
                {
                    var grant = _client.AuthorizeRequest(_job.NonTee);
                    if (!grant.Allowed)
                    {
                        _status = DmaEngine.RefusalStatus(grant.Refusal);
                        break;
                    }

                    granted = true;
                    tee = grant.TeeOriginated;
                }

                WriteTransfer(_next++, tee);
                _done++;
            }

            FlushWriteRun();
            SubmitBatch();
            _lastArrival = _up.TransmitBusyUntil;
            FinishDataPhase();
            return;
        }

        while (true)
        {
            if (!_inRead)
            {
                if (_next >= _job.Count || _status != DmaStatus.Success)
                {
                    break;
                }

                var grant = _client.AuthorizeRequest(_job.NonTee);
                if (!grant.Allowed)
                {
                    _status = DmaEngine.RefusalStatus(grant.Refusal);
                    break;
                }

                BeginRead(_next++, grant.TeeOriginated);
            }

            var free = new SimTime(_tagFree[0]);
            if (free > horizon)
            {
                SubmitBatch();
                Yield(free - (Lookahead / 2));
                return;
            }

            ReplaceEarliestTag(ReadRequest(free));
        }

        SubmitBatch();
        _scheduler.Schedule(SimTime.Max(_lastArrival, _scheduler.Now), this, EventPriority.Completion, EventReadDone, _generation);
        _dataActive = false;
    }

    private void Yield(SimTime at)
    {
        if (!_sliceScheduled)
        {
            _sliceScheduled = true;
            _scheduler.Schedule(SimTime.Max(at, _scheduler.Now), this, EventPriority.Request, EventSlice);
        }
    }

    private void FinishDataPhase()
    {
        _dataActive = false;
        Drain();
        _client.OnDataPhaseDone(_status, _done, _lastArrival);
    }

    /// <summary>
    /// Plans one write transfer: its link reservation (the part the link's timing depends on). The rest — translation
    /// per page, commit times, latency — follows in <see cref="CompleteWrite"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private void WriteTransfer(long index, bool tee)
    {
        ulong address;
        if (_job.IsRandom)
        {
            address = _job.AddressOf(index);
        }
        else
        {
            // Sequential placement walks the window: an add and a compare instead of a 64-bit modulo per transfer.
            address = _sequentialAddress;
            _sequentialAddress += (ulong)_job.TransferSize;
            if (_sequentialAddress >= _sequentialWrap)
            {
                _sequentialAddress = _job.Descriptor.WindowBase;
            }
        }

        var size = _job.TransferSize;
        var cost = _writeCosts.Get(address, size);
        var sent = ReservePostedBurst(cost, size);
        if ((Faults is not null || _linkFailed) && TakeFault(cost.Tlps))
        {
            return; // lost: nothing of it is committed
        }

        var plan = new WritePlan(address, size, cost.WireBytes, _job.DeviceOffsetOf(index), sent, sent.Start - _up.TransmitPipelineLatency, tee);
        CompleteWrite(in plan);
    }

    /// <summary>The root-port side of a planned write: the IOMMU per page, in-order commit times, the transfer's latency, and (functional) its TLPs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    [SkipLocalsInit]
    private void CompleteWrite(in WritePlan plan)
    {
        var sent = plan.Sent;
        var size = plan.Size;
        var flight = sent.Arrival - sent.End;
        var committed = true;
        var commit = SimTime.Zero;
        var page = plan.Address;
        long through = 0;
        var remaining = (long)size;
        while (remaining > 0)
        {
            var segment = (int)Math.Min(remaining, PhysicalMemory.PageSize - (long)(page & PhysicalMemory.PageOffsetMask));
            var t = _root.Translate(_client.RequesterId, page, segment, MemoryAccess.Write, plan.Tee, plan.Tee ? _teeStreamId : -1);
            var first = Math.Min(segment, _mps);
            var last = segment - (((segment - 1) >> _mpsShift) << _mpsShift);
            if (t.Allowed)
            {
                var firstArrival = through + first == size ? sent.Arrival : sent.Start + Proportion(plan.WireBytes, through + first, size) + flight;
                commit = _root.CommitTime(firstArrival, in t, first);
                if (segment > first)
                {
                    var lastArrival = through + segment == size ? sent.Arrival : sent.Start + Proportion(plan.WireBytes, through + segment, size) + flight;
                    commit = _root.CommitTime(lastArrival, _repeatTranslation, t.IsPrivate, last);
                }
            }
            else
            {
                committed = false;
            }

            if (_functional)
            {
                ProduceWrites(page, segment, plan.DeviceOffset + through, in t, plan.Tee, NextSegmentPayload(page + (ulong)segment, remaining - segment));
            }

            through += segment;
            page += (ulong)segment;
            remaining -= segment;
        }

        if (_functional && _transferLost)
        {
            _transferLost = false;
            TransfersLostToFaults++;
            _client.Statistics.TransfersFailed++;
        }
        else if (committed)
        {
            RecordWrite(size, plan.Issued, commit);
        }
        else
        {
            _client.Statistics.TransfersFailed++;
        }
    }

    /// <summary>
    /// Records a committed write transfer: a slice's transfers mostly share one size and latency, so they are counted
    /// as a run and recorded at once when the run ends (<see cref="FlushWriteRun"/>, before the slice returns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordWrite(int size, SimTime issued, SimTime done)
    {
        var latency = done - issued;
        if (_runCount == 0 || latency != _runLatency || size != _runBytes)
        {
            FlushWriteRun();
            _runLatency = latency;
            _runBytes = size;
            _runFirstIssued = issued;
            _runLastDone = done;
        }
        else
        {
            _runFirstIssued = SimTime.Min(_runFirstIssued, issued);
            _runLastDone = SimTime.Max(_runLastDone, done);
        }

        _runCount++;
    }

    /// <summary>Hands the run of equal write transfers <see cref="RecordWrite"/> counted to the statistics.</summary>
    private void FlushWriteRun()
    {
        if (_runCount > 0)
        {
            _client.Statistics.RecordTransfers(write: true, _runBytes, _runCount, _runLatency, _runFirstIssued, _runLastDone);
            _runCount = 0;
        }
    }

    /// <summary>
    /// Serialisation time of the share of a burst's wire bytes up to <paramref name="payloadThrough"/> payload bytes
    /// (arrival estimates inside a burst; the burst's end itself is exact). Wire bytes and payload stay below 2^31 for a
    /// transfer of at most 1 GiB, so the product fits in 64 bits. Remembered: a job repeats its shapes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SimTime Proportion(long wireBytes, long payloadThrough, long payload)
    {
        if (wireBytes == _proportionWire && payloadThrough == _proportionThrough && payload == _proportionPayload)
        {
            return _proportion;
        }

        _proportionWire = wireBytes;
        _proportionThrough = payloadThrough;
        _proportionPayload = payload;
        _proportion = _timing.ByteTime.TimeFor(wireBytes * payloadThrough / payload);
        return _proportion;
    }

    private void BeginRead(long index, bool tee)
    {
        _inRead = true;
        _readAddress = _job.AddressOf(index);
        _readCursor = _readAddress;
        _readRemaining = _job.TransferSize;
        _readDeviceOffset = _job.DeviceOffsetOf(index);
        _readIssued = SimTime.MaxValue;
        _readLast = SimTime.Zero;
        _readFailed = false;
        _readTee = tee;
    }

    /// <summary>Plans one read request issued no earlier than <paramref name="free"/>; returns when its tag frees again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long ReadRequest(SimTime free)
    {
        // The request: at most MRRS, never across 4 KiB (TlpSplitter's rule).
        var toPage = PhysicalMemory.PageSize - (int)(_readCursor & PhysicalMemory.PageOffsetMask);
        var length = (int)Math.Min(_readRemaining, Math.Min(_mrrs, toPage));
        var request = _requestCosts.Get(_readCursor, length);
        var sent = _up.ReserveBurst(free, request.WireBytes, request.Tlps, 0, FlowControlType.NonPosted);
        if (_readIssued == SimTime.MaxValue)
        {
            _readIssued = sent.Start - _up.TransmitPipelineLatency;
        }

        var t = _root.Translate(_client.RequesterId, _readCursor, length, MemoryAccess.Read, _readTee, _readTee ? _teeStreamId : -1);
        var ready = _root.ReadReadyTime(sent.Arrival, in t);
        BurstReservation back;
        if (t.Allowed)
        {
            var cpl = _completionCosts.Get(_readCursor, length);
            back = _down.ReserveBurst(ready, cpl.WireBytes, cpl.Tlps, length, FlowControlType.Completion);
            if (_functional)
            {
                ProduceCompletions(_readCursor, length, _readDeviceOffset + (long)(_readCursor - _readAddress), in t, _readTee);
            }
        }
        else
        {
            back = _down.ReserveBurst(ready, RefusalWireBytes(), 1, 0);
            _readFailed = true;
            if (_status == DmaStatus.Success)
            {
                _status = RootPort.RefusalStatus(in t) == CompletionStatus.CompleterAbort ? DmaStatus.CompleterAbort : DmaStatus.UnsupportedRequest;
            }
        }

        _readLast = SimTime.Max(_readLast, back.Arrival);
        _lastArrival = SimTime.Max(_lastArrival, back.Arrival);
        _readCursor += (ulong)length;
        _readRemaining -= length;
        if (_readRemaining == 0)
        {
            _inRead = false;
            _done++;
            if (_readFailed)
            {
                _client.Statistics.TransfersFailed++;
            }
            else
            {
                _client.Statistics.RecordTransfer(write: false, _job.TransferSize, _readIssued, _readLast);
            }
        }

        return back.Arrival.Picoseconds;
    }

    /// <summary>Replaces the heap's minimum (the tag just used) with <paramref name="freeAt"/> and restores the heap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReplaceEarliestTag(long freeAt)
    {
        var heap = _tagFree;
        var n = heap.Length;
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= freeAt)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = freeAt;
    }

    // ---------------------------------------------------------------- link costs

    private void RefreshIde()
    {
        _deviceStream = _device.TransmitStreamId is { } id ? _device.Ide.FindStream(id) : null;
        if (_deviceStream is { IsEnabled: false })
        {
            _deviceStream = null;
        }

        // T=1 requests travel on the device's stream: the IOMMU checks the sDTE names it, as it does for each TLP at packet level.
        _teeStreamId = _deviceStream?.StreamId ?? -1;

        _rootStream = _deviceStream is null ? null : _root.Ide.FindStream(_deviceStream.StreamId);
        if (_linkFailed && (_rootStream is null || _rootStream.State == IdeStreamState.Secure))
        {
            // New keys (or no IDE): the fault is behind us.
            _linkFailed = false;
            _pendingDetection = LinkFaultKind.None;
        }
        var posted = _deviceStream is null ? IdeLinkOverhead.None : new IdeLinkOverhead(true, _deviceStream.Settings.PostedAggregation, _deviceStream.Settings.PcrcEnabled);
        var completions = _rootStream is not { IsEnabled: true } ? IdeLinkOverhead.None : new IdeLinkOverhead(true, _rootStream.Settings.CompletionAggregation, _rootStream.Settings.PcrcEnabled);

        // Read requests carry no payload: no PCRC, and the device closes each one's unit (it cannot promise a next).
        var nonPosted = posted.Enabled ? new IdeLinkOverhead(true, 1, false) : IdeLinkOverhead.None;
        if (posted != _posted || completions != _completions || nonPosted != _nonPosted)
        {
            _posted = posted;
            _completions = completions;
            _nonPosted = nonPosted;
            _writeCosts.Clear();
            _requestCosts.Clear();
            _completionCosts.Clear();
        }

        _syncWireBytes = posted.Enabled ? _timing.FramingBytes + 16 + IdeLinkOverhead.PrefixBytes + IdeLinkOverhead.MacBytes : 0;
    }

    /// <summary>Reserves a posted write of <paramref name="bytes"/> (control data) on the upstream direction.</summary>
    private BurstReservation ReservePosted(ulong address, int bytes) => ReservePostedBurst(_timing.WriteCost(address, bytes, _posted), bytes);

    /// <summary>Reserves posted TLPs, with the IDE Sync messages the device's stream must send among them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BurstReservation ReservePostedBurst(TransferCost cost, long payload)
    {
        var wire = cost.WireBytes;
        var tlps = cost.Tlps;
        if (_syncWireBytes > 0)
        {
            // A Sync goes before the posted TLP that finds PR_Sent at 245; it resets the counter.
            var syncs = (_postedSinceSync + tlps - 1) / IdeStream.SyncThreshold;
            _postedSinceSync += tlps - (syncs * IdeStream.SyncThreshold);
            wire += syncs * _syncWireBytes;
            tlps += syncs;
            SyncMessages += syncs;
        }

        return _up.ReserveBurst(_scheduler.Now, wire, tlps, payload, FlowControlType.Posted);
    }

    /// <summary>Wire bytes of a completion without data (UR/CA) on the downstream direction.</summary>
    private long RefusalWireBytes() =>
        _timing.FramingBytes + LinkTiming.CompletionHeaderBytes + (_completions.Enabled ? IdeLinkOverhead.PrefixBytes + IdeLinkOverhead.MacBytes : 0);

    // ---------------------------------------------------------------- link faults

    /// <summary>
    /// Asks the injector about a write transfer of <paramref name="tlps"/> TLPs just put on the link; true when the
    /// transfer is lost here (timing mode, or sent after a detected fault). Functional mode loses a hit transfer in
    /// <see cref="ProduceWrites"/>, where its TLP really is corrupted or removed.
    /// </summary>
    private bool TakeFault(long tlps)
    {
        if (_linkFailed && _deviceStream is not null)
        {
            TransfersLostToFaults++;
            _client.Statistics.TransfersFailed++;
            return true;
        }

        var pending = _pendingDetection != LinkFaultKind.None;
        var hit = false;
        if (!pending && _rootStream is { State: IdeStreamState.Secure } && _deviceStream is not null && Faults!.TryHit(tlps, out var index, out var kind, out var entropy))
        {
            hit = true;
            _hitKind = kind;
            _hitEntropy = entropy;
            _hitCountdown = index;
        }

        if (!hit && !pending)
        {
            return false;
        }

        if (_functional)
        {
            _transferLost = true;
            return false;
        }

        // Timing mode: the same decisions without bytes. A corrupted TLP, or a dropped one with a TLP behind it in the
        // transfer, is detected inside this transfer; a dropped last TLP at the next one.
        var detectNow = pending || _hitKind == LinkFaultKind.Corruption || _hitCountdown < tlps - 1;
        _hitCountdown = -1;
        if (detectNow)
        {
            _pendingDetection = LinkFaultKind.Corruption;
            DetectPending();
        }
        else
        {
            _pendingDetection = LinkFaultKind.Drop;
        }

        TransfersLostToFaults++;
        _client.Statistics.TransfersFailed++;
        return true;
    }

    /// <summary>Functional mode: corrupts or removes the hit TLP (a bit of its payload ciphertext or MAC, chosen by the injector's draw).</summary>
    private void ApplyFault(DmaBatch batch, Tlp tlp, int index)
    {
        if (_hitKind == LinkFaultKind.Drop)
        {
            batch.Lost[index] = true;
            return;
        }

        var mac = tlp.Mac;
        var payload = tlp.Payload;
        var target = (!mac.IsEmpty && ((_hitEntropy & 1) != 0 || payload.IsEmpty)) ? mac : payload;
        var bit = (int)((_hitEntropy >> 1) % (uint)(target.Length * 8));
        target[bit >> 3] ^= (byte)(1 << (bit & 7));
        _pendingDetection = LinkFaultKind.Corruption;
    }

    /// <summary>A fault waits to be detected and a posted TLP or request follows: it is the one the receiver fails.</summary>
    private void DetectPending()
    {
        if (_pendingDetection != LinkFaultKind.None)
        {
            SubmitBatch();
            Drain();
            Detect();
        }
    }

    /// <summary>
    /// The receiver's check failed (functional: the worker has just run it, behind the drain fence; otherwise the
    /// stream goes Insecure here as the check would make it): the root port's stream is Insecure, the PSP fences the
    /// TDI, and the root port's IDE Fail message is on its way to the device.
    /// </summary>
    private void Detect()
    {
        _pendingDetection = LinkFaultKind.None;
        var stream = _rootStream;
        if (stream is null)
        {
            return;
        }

        if (stream.State == IdeStreamState.Insecure)
        {
            FaultsDetectedByCheck++;
        }
        else
        {
            stream.ForceInsecure(IdeCheckFailure.MacCheckFailed);
        }

        FaultsDetected++;
        _linkFailed = true;
        var fail = _down.ReserveBurst(_scheduler.Now, _timing.FramingBytes + 16, 1, 0);
        _scheduler.Schedule(fail.Arrival, this, EventPriority.Completion, EventFailMessage, stream.StreamId);
    }

    // ---------------------------------------------------------------- functional data

    /// <summary>Wire payload of the first TLP of the next page's segment, or -1 at the transfer's end (the IDE unit hint).</summary>
    private int NextSegmentPayload(ulong address, long remaining)
    {
        if (remaining <= 0)
        {
            return -1;
        }

        var n = (int)Math.Min(remaining, _mps);
        return new TlpChunk(address, n, n, 0).LengthDw * 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProduceWrites(ulong address, int length, long deviceOffset, in IommuTranslation pageTranslation, bool tee, int nextSegmentPayload)
    {
        var chunks = TlpSplitter.Writes(address, length, _mps);
        var more = chunks.MoveNext();
        while (more)
        {
            var c = chunks.Current;
            more = chunks.MoveNext();
            var batch = Batch(DmaBatchKind.Writes);
            if (_deviceStream is { SyncPending: true })
            {
                var sync = batch.Next(out _);
                _deviceStream.SealSync(sync);
            }

            var tlp = batch.Next(out var index);
            var payload = tlp.EncodeForPayload(TlpHeader.MemoryWrite(_client.RequesterId, c.Address, c.Length));
            var lead = (int)(c.Address & 3);
            payload[..lead].Clear();
            payload[(lead + c.Length)..].Clear();
            _client.Memory.Read(deviceOffset + (long)(c.Address - address), payload.Slice(lead, c.Length));
            var offset = c.Address - address;
            batch.Translations[index] = pageTranslation with { HostPhysicalAddress = pageTranslation.HostPhysicalAddress + offset };
            batch.Use[index] = pageTranslation.Allowed;
            var closes = true;
            if (_deviceStream is not null)
            {
                var next = more ? chunks.Current.LengthDw * 4 : nextSegmentPayload;
                if (_deviceStream.Seal(tlp, next, tee) == IdeSealStatus.Dropped)
                {
                    batch.Lost[index] = true; // an enabled stream that is not Secure never sends in clear (§6.33.4)
                }

                closes = !tlp.Layout.HasIdePrefix || tlp.IdePrefix.MacPresent;
            }

            var hit = _hitCountdown == 0;
            if (_hitCountdown >= 0)
            {
                _hitCountdown--;
                if (hit)
                {
                    ApplyFault(batch, tlp, index);
                }
            }

            if (closes && _pendingDetection != LinkFaultKind.None)
            {
                // The unit this TLP closes is where the root port's check fails: detect it now, on this thread.
                SubmitBatch();
                Drain();
                Detect();
            }
            else if (closes && batch.Count >= DmaBatch.SubmitThreshold)
            {
                SubmitBatch();
            }

            if (hit && _hitKind == LinkFaultKind.Drop)
            {
                // The receiver notices a dropped TLP only at the next unit it checks (its counter is out of step).
                _pendingDetection = LinkFaultKind.Drop;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProduceCompletions(ulong address, int length, long deviceOffset, in IommuTranslation t, bool tee)
    {
        var p = _timing.Parameters;
        var chunks = TlpSplitter.Completions(address, length, p.ReadCompletionBoundary, p.MaxPayloadSize, p.CompletionSplit);
        var more = chunks.MoveNext();
        var use = _client.AcceptCompletion(tee);
        while (more)
        {
            var c = chunks.Current;
            more = chunks.MoveNext();
            var batch = Batch(DmaBatchKind.Completions);
            var tlp = batch.Next(out var index);
            var header = TlpHeader.CompletionWithData(_root.Settings.RequesterId, _client.RequesterId, 0, c.Address, c.Length, c.ByteCount);
            var payload = tlp.EncodeForPayload(header);
            var lead = (int)(c.Address & 3);
            payload[..lead].Clear();
            payload[(lead + c.Length)..].Clear();
            _root.FillCompletion(in t, c.Address - address, payload.Slice(lead, c.Length));
            batch.DeviceOffsets[index] = deviceOffset + (long)(c.Address - address);
            batch.DataBytes[index] = c.Length;
            batch.Use[index] = use;
            var closes = true;
            if (_rootStream is { IsEnabled: true })
            {
                if (_rootStream.Seal(tlp, more ? chunks.Current.LengthDw * 4 : -1, tee) == IdeSealStatus.Dropped)
                {
                    batch.Lost[index] = true;
                }

                closes = !tlp.Layout.HasIdePrefix || tlp.IdePrefix.MacPresent;
            }

            if (closes && batch.Count >= DmaBatch.SubmitThreshold)
            {
                SubmitBatch();
            }
        }
    }

    private DmaBatch Batch(DmaBatchKind kind)
    {
        if (_batch is not null && (_batch.Kind != kind || _batch.IsFull))
        {
            SubmitBatch();
        }

        return _batch ??= _pipeline!.Rent(kind);
    }

    private void SubmitBatch()
    {
        if (_batch is not null)
        {
            _pipeline!.Submit(_batch);
            _batch = null;
        }
    }
}
