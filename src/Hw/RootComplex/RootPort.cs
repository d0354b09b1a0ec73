using System.Numerics;
using System.Runtime.CompilerServices;
using SevTio.Hw.Crypto;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.RootComplex;

/// <summary>
/// A root port of the host's root complex: the downstream end of the device's link. It terminates the IDE stream (it
/// owns the root-side <see cref="IdePort"/>), sends every upstream request through the IOMMU to memory, answers reads
/// with completions of at most MPS bytes split on RCB boundaries (or RCB-sized, <c>host.completion_split=rcb</c>),
/// returns UR or CA for refused reads, drops refused writes (the IOMMU logged them), and decodes the interrupt window
/// into MSI/MSI-X messages.
/// </summary>
/// <remarks>
/// <para><b>Timing</b> (the same at packet and burst level): the root complex handles a device's requests in arrival
/// order. A write commits at <c>max(arrival + translation latency + memory write cost, previous commit)</c>; a read's
/// data is ready at <c>max(arrival + translation latency + host read latency, previous ready)</c>, and its completions
/// then queue for the downstream serialiser. IOTLB misses, page walks and RMP-cache misses lengthen the translation
/// latency as <see cref="IommuTranslation.Latency"/> reports; the translation pipeline itself is not a throughput limit.
/// A refused read is answered after its translation: UR for IOMMU faults, CA for RMP violations.</para>
/// <para><b>Data</b>: the MAC of an IDE unit is checked first (<see cref="IdePort.Receive{TSink}"/>); then a private
/// write (T=1 below vTOM) is decrypted from IDE and encrypted under the guest's memory key in one pass straight into
/// the destination page (<see cref="FusedCrypto.DecryptToEncryptedMemory"/>), a shared write is decrypted straight into
/// the page. Read data is decrypted from memory straight into the completion's payload, which IDE then seals in place.
/// Nothing that failed a check is written. In timing mode data payloads are lengths only, but control data the
/// requester marks as such (<see cref="Tlp.Cookie"/> &lt; 0: descriptors, completion records) is still real, since
/// software and the DMA engine act on it. The data methods (<see cref="ApplyWrite"/>, <see cref="FillCompletion"/>)
/// touch only memory and their arguments, so the burst level may run them on a worker thread.</para>
/// </remarks>
public sealed class RootPort : ILinkReceiver, ILinkSendRetry, ISimEventHandler, IDisposable
{
    private const long EventReadReady = 0;

    private readonly Scheduler _scheduler;
    private readonly AmdIommu _iommu;
    private readonly MemoryController _memory;
    private readonly TlpPool _pool = new(64);
    private readonly IdeTimingFramer?[] _framers;
    private PendingRead[] _reads = new PendingRead[64];
    private long _readHead;
    private long _readReady;
    private long _readTail;
    private TlpSplitter.CompletionEnumerator _chunks;
    private bool _haveChunk;
    private bool _chunksStarted;
    private Tlp? _pendingTlp;
    private SimTime _lastCommit;
    private long _costKey0 = -1;
    private long _costKey1 = -1;
    private SimTime _cost0;
    private SimTime _cost1;
    private SimTime _lastReady;
    private LinkPort? _port;

    public RootPort(Scheduler scheduler, AmdIommu iommu, MemoryController memory, RootPortSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(iommu);
        ArgumentNullException.ThrowIfNull(memory);
        _scheduler = scheduler;
        _iommu = iommu;
        _memory = memory;
        Settings = (settings ?? new RootPortSettings()).Validate();
        Ide = new IdePort("root-port", Settings.IdeStreams, addressBlocks: 1, settings: Settings.IdeSettings with { RequesterId = Settings.RequesterId });
        _framers = new IdeTimingFramer?[Settings.IdeStreams];

        // The root port's own function, where host software finds its IDE capability (a type-0 layout stands in for the
        // bridge's type-1 header: only the extended capabilities matter here).
        Config = new ConfigSpace(Settings.VendorId, Settings.DeviceId, 0x06_0400);
        IdeCapabilityOffset = Config.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, Ide.Capability);
        foreach (var stream in Ide.Streams)
        {
            stream.FailMessageRequired += OnFailMessageRequired;
        }
    }

    /// <summary>
    /// Packet level: the root port sends the IDE Fail message on its link when one of its streams fails (§6.33.8). Off
    /// at the burst level, whose transport delivers the message itself (the check may run on its worker thread).
    /// </summary>
    public bool SendsFailMessages { get; set; }

    /// <summary>IDE Fail messages sent (packet level).</summary>
    public long FailMessagesSent { get; private set; }

    /// <summary>The root port function's configuration space (its IDE extended capability for host software and the TSM).</summary>
    public ConfigSpace Config { get; }

    /// <summary>Where the IDE extended capability sits in <see cref="Config"/>.</summary>
    public int IdeCapabilityOffset { get; }

    public RootPortSettings Settings { get; }

    /// <summary>The root port's IDE function: streams, key slots, the 0x30 capability.</summary>
    public IdePort Ide { get; }

    public AmdIommu Iommu => _iommu;

    public MemoryController Memory => _memory;

    public RootPortCounters Counters { get; } = new();

    /// <summary>The link's downstream port this root port drives (packet level).</summary>
    public LinkPort Port => _port ?? throw new InvalidOperationException("the root port is not attached to a link");

    /// <summary>Link parameters (MPS, RCB, completion split) once attached.</summary>
    public LinkParameters LinkParameters => Port.Timing.Parameters;

    /// <summary>Where decoded MSI/MSI-X messages go.</summary>
    public IInterruptSink? Interrupts { get; set; }

    /// <summary>Told of every posted write's commit or drop (latency statistics).</summary>
    public IPostedWriteObserver? WriteObserver { get; set; }

    /// <summary>Attaches to the downstream end of <paramref name="link"/> (receives the device's TLPs, sends completions).</summary>
    public void Attach(PcieLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        _port = link.DownstreamPort;
        _port.Receiver = this;
        _port.RetryListener = this;
        Ide.AttachTiming(_port);
    }

    // ---------------------------------------------------------------- decisions shared by both fidelity levels

    /// <summary>Asks the IOMMU about one request (at most one page) and counts it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IommuTranslation Translate(ushort requesterId, ulong address, int length, MemoryAccess access, bool teeOriginated, int streamId = -1)
    {
        if (access == MemoryAccess.Write)
        {
            Counters.WriteRequests++;
        }
        else
        {
            Counters.ReadRequests++;
        }

        var t = _iommu.Translate(new DmaRequest(requesterId, address, length, access, teeOriginated, streamId));
        if (!t.Allowed)
        {
            if (access == MemoryAccess.Write)
            {
                Counters.WritesDropped++;
            }
            else if (t.Fault == IommuFault.RmpViolation)
            {
                Counters.CompleterAborts++;
            }
            else
            {
                Counters.UnsupportedRequests++;
            }
        }

        return t;
    }

    /// <summary>The completion status a refused read is answered with: CA for an RMP violation, UR for anything else.</summary>
    public static CompletionStatus RefusalStatus(in IommuTranslation t) =>
        t.Fault == IommuFault.RmpViolation ? CompletionStatus.CompleterAbort : CompletionStatus.UnsupportedRequest;

    /// <summary>When a write TLP that arrived at <paramref name="arrival"/> is committed (writes commit in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimTime CommitTime(SimTime arrival, in IommuTranslation t, int bytes) => CommitTime(arrival, t.Latency, t.IsPrivate, bytes);

    /// <summary>
    /// As <see cref="CommitTime(SimTime, in IommuTranslation, int)"/> for a TLP whose translation took
    /// <paramref name="translationLatency"/> (the burst level's later TLPs of a page: an IOTLB and RMP-cache hit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimTime CommitTime(SimTime arrival, SimTime translationLatency, bool isPrivate, int bytes)
    {
        var commit = arrival + translationLatency + WriteCost(bytes, isPrivate);
        if (commit < _lastCommit)
        {
            commit = _lastCommit;
        }

        _lastCommit = commit;
        return commit;
    }

    /// <summary>The memory write cost of <paramref name="bytes"/>, remembered for the last two sizes (a job repeats its TLP sizes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SimTime WriteCost(int bytes, bool encrypted)
    {
        var key = ((long)bytes << 1) | (encrypted ? 1L : 0);
        if (_costKey0 == key)
        {
            return _cost0;
        }

        if (_costKey1 == key)
        {
            return _cost1;
        }

        var cost = _memory.Timing.WriteCost(bytes, encrypted);
        _costKey1 = _costKey0;
        _cost1 = _cost0;
        _costKey0 = key;
        _cost0 = cost;
        return cost;
    }

    /// <summary>
    /// When the data of a read request that arrived at <paramref name="arrival"/> is ready to return (in order); a
    /// refused read is ready (to be answered UR/CA) right after its translation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimTime ReadReadyTime(SimTime arrival, in IommuTranslation t)
    {
        var ready = arrival + t.Latency + (t.Allowed ? Settings.ReadLatency : SimTime.Zero);
        if (ready < _lastReady)
        {
            ready = _lastReady;
        }

        _lastReady = ready;
        return ready;
    }

    /// <summary>True for an address in the interrupt window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsMessageAddress(ulong address) => address - Settings.MessageWindowBase < RootPortSettings.MessageWindowBytes;

    /// <summary>Hands an MSI/MSI-X message to the interrupt sink (now).</summary>
    public void DeliverMessage(ushort requesterId, ulong address, uint data, bool teeOriginated)
    {
        Counters.Messages++;
        Interrupts?.OnMessageSignalledInterrupt(requesterId, address, data, teeOriginated);
    }

    // ---------------------------------------------------------------- data movement (thread-agnostic)

    /// <summary>
    /// Stores a MAC-verified write TLP where the IOMMU said (<paramref name="t"/> translated the TLP's first enabled
    /// byte). Private targets take the fused IDE-decrypt → memory-encrypt pass straight into the page when the range
    /// is AES-block aligned; otherwise the payload is decrypted into a stack buffer and written with read-modify-write.
    /// </summary>
    public void ApplyWrite(in IdeVerifiedSegment segment, in IommuTranslation t)
    {
        var tlp = segment.Tlp;
        EnabledBytes(in tlp.Header, out var first, out var length);
        var payload = tlp.Payload;
        var hpa = t.HostPhysicalAddress;
        if (segment.IsStored)
        {
            // The receiver checked the MAC in the pass that stored it (PrepareFusedWrite said where).
            Counters.BytesWritten += length;
            return;
        }

        if (!segment.IsPlaintext && IsWholePrivateWrite(first, length, payload.Length, in t))
        {
            Span<byte> nonce = stackalloc byte[AesGcm256.NonceSize];
            segment.WriteNonce(nonce);
            FusedCrypto.DecryptToEncryptedMemory(segment.Cipher, nonce, segment.PayloadOffset, payload, _memory.GetKey(t.Asid), hpa, _memory.GetWritableSpan(hpa, length));
        }
        else if (first == 0 && length == payload.Length && !t.IsPrivate)
        {
            segment.Decrypt(_memory.GetWritableSpan(hpa, length));
        }
        else
        {
            Span<byte> plain = stackalloc byte[payload.Length];
            segment.Decrypt(plain);
            _memory.Write(t.MemoryKeyAsid, hpa, plain.Slice(first, length));
        }

        Counters.BytesWritten += length;
    }

    /// <summary>
    /// Where an IDE write TLP goes when its whole payload is stored into a private page (all bytes enabled, 16-byte
    /// aligned): the page's key and bytes, for <see cref="IdePort.ReceiveWrite{TSink}"/>, which checks the MAC in the pass
    /// that stores it. <see cref="IdeFusedWrite"/>'s default (store nothing) otherwise. <paramref name="t"/> must allow
    /// the write.
    /// </summary>
    public IdeFusedWrite PrepareFusedWrite(Tlp tlp, in IommuTranslation t)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        EnabledBytes(in tlp.Header, out var first, out var length);
        return t.Allowed && IsWholePrivateWrite(first, length, tlp.Layout.PayloadBytes, in t)
            ? new IdeFusedWrite(_memory.GetKey(t.Asid), t.HostPhysicalAddress, _memory.GetWritableSpan(t.HostPhysicalAddress, length))
            : default;
    }

    /// <summary>A write of every payload byte into a private page on 16-byte boundaries: the memory cipher takes it in one piece.</summary>
    private static bool IsWholePrivateWrite(int first, int length, int payloadBytes, in IommuTranslation t) =>
        first == 0 && length == payloadBytes && t.IsPrivate && ((t.HostPhysicalAddress | (uint)length) & 15) == 0;

    /// <summary>Stores a write TLP that travelled without IDE (its payload is plaintext).</summary>
    public void ApplyPlainWrite(Tlp tlp, in IommuTranslation t)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        EnabledBytes(in tlp.Header, out var first, out var length);
        _memory.Write(t.MemoryKeyAsid, t.HostPhysicalAddress, tlp.Payload.Slice(first, length));
        Counters.BytesWritten += length;
    }

    /// <summary>Stores a few bytes of control data (a completion record) where the IOMMU said: the burst level's posted control writes.</summary>
    public void WriteControl(in IommuTranslation t, ReadOnlySpan<byte> data)
    {
        _memory.Write(t.MemoryKeyAsid, t.HostPhysicalAddress, data);
        Counters.BytesWritten += data.Length;
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes for a completion: decrypted under the guest's key for a private page, raw otherwise.</summary>
    public void FillCompletion(in IommuTranslation t, ulong offsetFromTranslatedAddress, Span<byte> destination)
    {
        _memory.Read(t.MemoryKeyAsid, t.HostPhysicalAddress + offsetFromTranslatedAddress, destination);
        Counters.BytesRead += destination.Length;
    }

    /// <summary>The enabled bytes of a memory request's payload: offset of the first, and how many (first to last enabled byte).</summary>
    public static void EnabledBytes(in TlpHeader header, out int first, out int length)
    {
        var firstBe = header.FirstBe == 0 ? 0xF : header.FirstBe;
        first = BitOperations.TrailingZeroCount(firstBe);
        if (header.LengthDw <= 1)
        {
            length = (32 - BitOperations.LeadingZeroCount((uint)firstBe)) - first;
            return;
        }

        var lastBe = header.LastBe == 0 ? 0xF : header.LastBe;
        var lastBytes = 32 - BitOperations.LeadingZeroCount((uint)lastBe);
        length = ((header.LengthDw - 1) * 4) + lastBytes - first;
    }

    // ---------------------------------------------------------------- packet level

    void ILinkReceiver.OnTlpReceived(LinkPort port, Tlp tlp)
    {
        if (tlp.Layout.HasIdePrefix && Settings.Functional)
        {
            var sink = new ReceiveSink(this);
            Ide.Receive(tlp, ref sink);
            return;
        }

        if (!tlp.Layout.HasIdePrefix)
        {
            var none = default(NullSink);
            Ide.Receive(tlp, ref none); // an IDE Fail message makes its stream Insecure
        }

        // Timing mode: the TLP carries IDE framing but nothing to check; or a TLP without IDE.
        var noSegment = default(IdeVerifiedSegment);
        OnRequest(tlp, in noSegment, hasSegment: false);
        tlp.Release();
    }

    void ILinkSendRetry.OnSendRetry(LinkPort port) => PumpCompletions();

    private void OnFailMessageRequired(IdeStream stream)
    {
        if (!SendsFailMessages || _port is null)
        {
            return;
        }

        var tlp = _pool.Rent();
        stream.WriteFailMessage(tlp);
        if (_port.TrySend(tlp))
        {
            FailMessagesSent++;
        }
        else
        {
            tlp.Release(); // no posted credit: the message is lost (the device still stops at its watchdog-driven reset)
        }
    }

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        _readReady++;
        PumpCompletions();
    }

    private void OnVerified(in IdeVerifiedSegment segment)
    {
        OnRequest(segment.Tlp, segment, hasSegment: true);
        segment.Tlp.Release();
    }

    private void OnRequest(Tlp tlp, in IdeVerifiedSegment segment, bool hasSegment)
    {
        ref readonly var h = ref tlp.Header;
        var tee = tlp.IsTeeOriginated;
        switch (h.Type)
        {
            case TlpType.MemoryWrite:
            {
                EnabledBytes(in h, out var first, out var length);
                var address = h.Address + (ulong)first;
                if (IsMessageAddress(address))
                {
                    DeliverMessage(h.RequesterId, address, MessageData(tlp, in segment, hasSegment, first), tee);
                    return;
                }

                var t = Translate(h.RequesterId, address, length, MemoryAccess.Write, tee, StreamOf(tlp));
                if (!t.Allowed)
                {
                    WriteObserver?.OnPostedWriteDone(tlp.Cookie, length, _scheduler.Now, false);
                    return;
                }

                var commit = CommitTime(_scheduler.Now, in t, length);
                if (Settings.Functional || tlp.Cookie < 0)
                {
                    if (hasSegment)
                    {
                        ApplyWrite(in segment, in t);
                    }
                    else
                    {
                        ApplyPlainWrite(tlp, in t);
                    }
                }

                WriteObserver?.OnPostedWriteDone(tlp.Cookie, length, commit, true);
                return;
            }

            case TlpType.MemoryRead:
            {
                EnabledBytes(in h, out var first, out var length);
                var address = h.Address + (ulong)first;
                var t = Translate(h.RequesterId, address, length, MemoryAccess.Read, tee, StreamOf(tlp));
                var ready = ReadReadyTime(_scheduler.Now, in t);
                EnqueueRead(new PendingRead(h.RequesterId, h.Tag, address, length, tee, tlp.Layout.HasIdePrefix ? tlp.IdePrefix.StreamId : -1, t, h.TrafficClass, h.Attributes, tlp.Cookie < 0));
                _scheduler.Schedule(ready, this, EventPriority.Completion, EventReadReady);
                return;
            }

            default:
                // IDE Sync messages (already accounted by the receiver) and anything else a root port ignores here.
                return;
        }
    }

    /// <summary>The Selective IDE stream a request arrived on (its prefix), -1 for a TLP without IDE.</summary>
    private static int StreamOf(Tlp tlp) => tlp.Layout.HasIdePrefix ? tlp.IdePrefix.StreamId : -1;

    private uint MessageData(Tlp tlp, in IdeVerifiedSegment segment, bool hasSegment, int first)
    {
        Span<byte> plain = stackalloc byte[8];
        var payload = tlp.Payload;
        if (payload.Length < first + 4 || payload.Length > plain.Length)
        {
            return 0;
        }

        if (hasSegment)
        {
            segment.Decrypt(plain);
        }
        else
        {
            payload.CopyTo(plain);
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(plain[first..]);
    }

    private void EnqueueRead(in PendingRead read)
    {
        if (_readTail - _readHead == _reads.Length)
        {
            var bigger = new PendingRead[_reads.Length * 2];
            for (var i = _readHead; i < _readTail; i++)
            {
                bigger[i & (bigger.Length - 1)] = _reads[i & (_reads.Length - 1)];
            }

            _reads = bigger;
        }

        _reads[_readTail & (_reads.Length - 1)] = read;
        _readTail++;
    }

    private void PumpCompletions()
    {
        var port = Port;
        while (true)
        {
            if (_pendingTlp is null)
            {
                _pendingTlp = NextCompletion();
                if (_pendingTlp is null)
                {
                    return;
                }
            }

            if (!port.TrySend(_pendingTlp))
            {
                return;
            }

            Counters.CompletionsSent++;
            _pendingTlp = null;
        }
    }

    private Tlp? NextCompletion()
    {
        while (_readHead < _readReady)
        {
            ref var read = ref _reads[_readHead & (_reads.Length - 1)];
            if (!read.Translation.Allowed)
            {
                var ur = _pool.Rent();
                var refused = read;
                ur.Encode(TlpHeader.CompletionWithoutData(Settings.RequesterId, refused.RequesterId, refused.Tag, RefusalStatus(refused.Translation), refused.Length, (byte)refused.Address, refused.TrafficClass), default);
                _readHead++;
                if (Protect(ur, -1, in refused))
                {
                    return ur;
                }

                continue;
            }

            if (!_chunksStarted)
            {
                var p = LinkParameters;
                _chunks = TlpSplitter.Completions(read.Address, read.Length, p.ReadCompletionBoundary, p.MaxPayloadSize, p.CompletionSplit);
                _haveChunk = _chunks.MoveNext();
                _chunksStarted = true;
            }

            if (!_haveChunk)
            {
                _chunksStarted = false;
                _readHead++;
                continue;
            }

            var c = _chunks.Current;
            _haveChunk = _chunks.MoveNext();
            var tlp = _pool.Rent();
            var header = TlpHeader.CompletionWithData(Settings.RequesterId, read.RequesterId, read.Tag, c.Address, c.Length, c.ByteCount, read.TrafficClass, read.Attributes);
            var payload = tlp.EncodeForPayload(header);
            if (Settings.Functional || read.Control)
            {
                var lead = (int)(c.Address & 3);
                payload[..lead].Clear();
                payload[(lead + c.Length)..].Clear();
                FillCompletion(read.Translation, c.Address - read.Address, payload.Slice(lead, c.Length));
            }

            var next = _haveChunk ? _chunks.Current.LengthDw * 4 : -1;
            var current = read;
            if (!_haveChunk)
            {
                _chunksStarted = false;
                _readHead++;
            }

            if (Protect(tlp, next, in current))
            {
                return tlp;
            }
        }

        return null;
    }

    /// <summary>IDE-protects a completion on its request's stream (functional: sealed; timing: framed). False if it must be dropped.</summary>
    private bool Protect(Tlp tlp, int nextPayloadBytes, in PendingRead read)
    {
        if (read.StreamId < 0)
        {
            return true;
        }

        var stream = Ide.SelectTransmitStream(in tlp.Header, read.Tee, read.StreamId);
        if (stream is null)
        {
            return true;
        }

        if (!Settings.Functional)
        {
            Framer(stream).Frame(tlp, nextPayloadBytes, read.Tee);
            return true;
        }

        var status = stream.Seal(tlp, nextPayloadBytes, read.Tee);
        if (status == IdeSealStatus.Sealed)
        {
            return true;
        }

        // An enabled stream that is not Secure never lets a completion out in clear (§6.33.4).
        Counters.IdeDrops++;
        tlp.Release();
        return false;
    }

    /// <summary>The timing-mode framer of a stream (crypto.mode=timing).</summary>
    internal IdeTimingFramer Framer(IdeStream stream)
    {
        for (var i = 0; i < _framers.Length; i++)
        {
            if (ReferenceEquals(Ide.Streams[i], stream))
            {
                return _framers[i] ??= new IdeTimingFramer(stream.StreamId, stream.Settings);
            }
        }

        throw new InvalidOperationException("not a stream of this port");
    }

    public void Dispose() => Ide.Dispose();

    /// <param name="Control">The requester marked the read as control data (a descriptor): real bytes even in timing mode.</param>
    private readonly record struct PendingRead(ushort RequesterId, ushort Tag, ulong Address, int Length, bool Tee, int StreamId, IommuTranslation Translation, byte TrafficClass, TlpAttributes Attributes, bool Control);

    private readonly struct ReceiveSink(RootPort port) : IIdeReceiveSink
    {
        public void OnVerified(in IdeVerifiedSegment segment) => port.OnVerified(in segment);

        public void OnDropped(Tlp tlp, IdeCheckFailure reason)
        {
            port.Counters.IdeDrops++;
            if (tlp.Header.Type == TlpType.MemoryWrite)
            {
                EnabledBytes(in tlp.Header, out _, out var length);
                port.WriteObserver?.OnPostedWriteDone(tlp.Cookie, length, port._scheduler.Now, false);
            }

            tlp.Release();
        }
    }

    private struct NullSink : IIdeReceiveSink
    {
        public readonly void OnVerified(in IdeVerifiedSegment segment)
        {
        }

        public readonly void OnDropped(Tlp tlp, IdeCheckFailure reason)
        {
        }
    }
}
