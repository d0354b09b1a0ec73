using System.Buffers.Binary;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>
/// The DMA engine's packet level (<c>sim.fidelity=packet</c>): every request is a real TLP built in a pooled buffer,
/// filled from device memory, IDE-sealed by the device's port (or framed only, in timing mode), admitted to the link
/// with flow control (<see cref="LinkPort.TrySend"/>, retried when credits or queue space return), and every
/// completion is checked by the device's IDE receiver and copied into device memory. One event per TLP per stage.
/// </summary>
/// <remarks>
/// Writes are split by MPS and 4 KiB, reads by MRRS and 4 KiB, each read request holding one of the
/// <see cref="IDmaTransportClient.ReadTags"/> tags until its last completion arrives. The TDI enforcement is asked
/// before each transfer. Transfer latency is measured from the first TLP entering the transmitter (its serialisation
/// start minus the IDE transmit pipeline) to the last byte committed at the root complex (writes, reported through
/// <see cref="IPostedWriteObserver"/>) or the last completion received (reads).
/// </remarks>
public sealed class PacketDmaTransport : IDmaTransport, ILinkReceiver, ILinkSendRetry, IPostedWriteObserver
{
    private const int DescriptorTag = -2;

    private readonly TdispDevice _device;
    private readonly IDmaTransportClient _client;
    private readonly LinkPort _port;
    private readonly Scheduler _scheduler;
    private readonly bool _functional;
    private readonly TlpPool _pool = new(64);
    private readonly Queue<ControlItem> _control = new();
    private readonly TagEntry[] _tags;
    private readonly Stack<ushort> _freeTags;
    private readonly byte[] _descriptor = new byte[DmaDescriptor.Bytes];
    private readonly Dictionary<IdeStream, IdeTimingFramer> _framers = [];
    private TransferTrack[] _transfers = new TransferTrack[1024];
    private long _transferBase;
    private long _transferNext;

    private Tlp? _pending;
    private long _pendingTransfer = -1;
    private bool _pumping;
    private IdeStream? _stream;

    private DmaJob _job;
    private bool _dataActive;
    private long _jobFirstTransfer;
    private long _nextIndex;
    private long _issuedTransfers;
    private long _finishedTransfers;
    private DmaStatus _jobStatus;
    private bool _inTransfer;
    private ulong _transferAddress;
    private long _transferDeviceOffset;
    private long _transferSeq;
    private bool _transferTee;
    private TlpSplitter.RequestEnumerator _chunks;
    private bool _haveChunk;
    private bool _firstOfTransfer;

    public PacketDmaTransport(TdispDevice device, LinkPort port, bool functional)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(port);
        _device = device;
        _client = device.Dma;
        _port = port;
        _scheduler = device.Scheduler;
        _functional = functional;
        _tags = new TagEntry[_client.ReadTags];
        _freeTags = new Stack<ushort>(_tags.Length);
        for (var t = _tags.Length - 1; t >= 0; t--)
        {
            _freeTags.Push((ushort)t);
        }

        port.Receiver = this;
        port.RetryListener = this;
        device.Ide.AttachTiming(port);
    }

    /// <summary>Completions that matched no outstanding tag, or carried an error status.</summary>
    public long UnexpectedCompletions { get; private set; }

    /// <summary>IDE Sync messages the device sent (one per 245 posted TLPs, §6.33.7).</summary>
    public long SyncMessages { get; private set; }

    /// <summary>TLPs the device's IDE transmitter dropped (stream enabled but not Secure).</summary>
    public long IdeTransmitDrops { get; private set; }

    // ---------------------------------------------------------------- IDmaTransport

    public void FetchDescriptor(ulong address, DmaGrant grant)
    {
        _control.Enqueue(new ControlItem(ControlKind.DescriptorRead, address, DmaDescriptor.Bytes, 0, 0, grant.TeeOriginated));
        Pump();
    }

    public void StartDataPhase(in DmaJob job)
    {
        _job = job;
        _dataActive = true;
        _jobStatus = DmaStatus.Success;
        _jobFirstTransfer = _transferNext;
        _nextIndex = 0;
        _issuedTransfers = 0;
        _finishedTransfers = 0;
        _inTransfer = false;
        Pump();
    }

    public void PostWrite(ulong address, ReadOnlySpan<byte> data, DmaGrant grant)
    {
        if (data.Length is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(data), data.Length, "control writes carry 1-16 bytes");
        }

        Span<byte> inline = stackalloc byte[16];
        inline.Clear();
        data.CopyTo(inline);
        _control.Enqueue(new ControlItem(ControlKind.PostedWrite, address, data.Length,
            BinaryPrimitives.ReadUInt64LittleEndian(inline), BinaryPrimitives.ReadUInt64LittleEndian(inline[8..]), grant.TeeOriginated));
        Pump();
    }

    public void PostMessage(ulong address, uint data, DmaGrant grant)
    {
        _control.Enqueue(new ControlItem(ControlKind.PostedWrite, address, 4, data, 0, grant.TeeOriginated));
        Pump();
    }

    public void Abort()
    {
        _dataActive = false;
        _inTransfer = false;
        _haveChunk = false;
        _control.Clear();
        for (var t = 0; t < _tags.Length; t++)
        {
            if (_tags[t].InUse)
            {
                // Its completions still arrive; they free the tag and nothing else.
                _tags[t].Orphaned = true;
            }
        }
    }

    // ---------------------------------------------------------------- transmit

    void ILinkSendRetry.OnSendRetry(LinkPort port) => Pump();

    private void Pump()
    {
        if (_pumping)
        {
            return;
        }

        _pumping = true;
        try
        {
            while (true)
            {
                if (_pending is null)
                {
                    var queued = _control.Count;
                    _pending = NextTlp(out _pendingTransfer);
                    if (_pending is null)
                    {
                        if (_control.Count > queued)
                        {
                            continue; // the data phase ended while looking and the engine queued its completion writes
                        }

                        return;
                    }
                }

                if (!_port.TrySend(_pending))
                {
                    return;
                }

                var transfer = _pendingTransfer;
                _pending = null;
                OnAdmitted(transfer);
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    /// <summary>Bookkeeping once a TLP is on its way: a transfer's first TLP fixes its issue time; the last write ends the data phase.</summary>
    private void OnAdmitted(long transfer)
    {
        if (transfer >= 0 && _firstOfTransfer)
        {
            _firstOfTransfer = false;
            Track(transfer).Issued = _port.LastAdmittedStart - _port.TransmitPipelineLatency;
        }

        CheckWritePhaseDone();
    }

    private void CheckWritePhaseDone()
    {
        if (_dataActive && _job.IsWrite && !_inTransfer && (_nextIndex == _job.Count || _jobStatus != DmaStatus.Success))
        {
            _dataActive = false;
            _client.OnDataPhaseDone(_jobStatus, _issuedTransfers, _port.TransmitBusyUntil);
        }
    }

    private Tlp? NextTlp(out long transfer)
    {
        transfer = -1;
        _stream = StreamFor(_device.TransmitStreamId);
        if (_stream is not null && (_functional ? _stream.SyncPending : Framer(_stream).SyncPending))
        {
            var sync = _pool.Rent();
            if (_functional)
            {
                if (_stream.SealSync(sync) == IdeSealStatus.Sealed)
                {
                    SyncMessages++;
                    return sync;
                }

                sync.Release();
            }
            else
            {
                Framer(_stream).FrameSync(sync);
                SyncMessages++;
                return sync;
            }
        }

        while (_control.Count > 0)
        {
            var item = _control.Peek();
            if (item.Kind == ControlKind.DescriptorRead && _freeTags.Count == 0)
            {
                break;
            }

            _control.Dequeue();
            var tlp = BuildControl(in item);
            if (tlp is not null)
            {
                return tlp;
            }
        }

        if (!_dataActive)
        {
            return null;
        }

        return _job.IsWrite ? NextWrite(out transfer) : NextReadRequest(out transfer);
    }

    private Tlp? BuildControl(in ControlItem item)
    {
        var tlp = _pool.Rent();
        if (item.Kind == ControlKind.DescriptorRead)
        {
            var tag = _freeTags.Pop();
            _tags[tag] = new TagEntry(true, DescriptorTag, item.Address, item.Length, 0, 0, item.Tee);
            tlp.EncodeForPayload(TlpHeader.MemoryRead(_client.RequesterId, tag, item.Address, item.Length));
            _descriptor.AsSpan().Clear();
        }
        else
        {
            var payload = tlp.EncodeForPayload(TlpHeader.MemoryWrite(_client.RequesterId, item.Address, item.Length));
            Span<byte> inline = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(inline, item.Data0);
            BinaryPrimitives.WriteUInt64LittleEndian(inline[8..], item.Data1);
            var lead = (int)(item.Address & 3);
            payload.Clear();
            inline[..item.Length].CopyTo(payload[lead..]);
        }

        tlp.Cookie = -1;
        tlp.CreatedAt = _scheduler.Now;
        return Protect(tlp, -1, item.Tee) ? tlp : null;
    }

    private Tlp? NextWrite(out long transfer)
    {
        transfer = -1;
        while (true)
        {
            if (!_inTransfer && !BeginTransfer())
            {
                CheckWritePhaseDone();
                return null;
            }

            if (!_haveChunk)
            {
                _inTransfer = false;
                continue;
            }

            var c = _chunks.Current;
            _haveChunk = _chunks.MoveNext();
            var tlp = _pool.Rent();
            var payload = tlp.EncodeForPayload(TlpHeader.MemoryWrite(_client.RequesterId, c.Address, c.Length));
            if (_functional)
            {
                var lead = (int)(c.Address & 3);
                payload[..lead].Clear();
                payload[(lead + c.Length)..].Clear();
                _client.Memory.Read(_transferDeviceOffset + (long)(c.Address - _transferAddress), payload.Slice(lead, c.Length));
            }

            tlp.Cookie = _transferSeq;
            tlp.CreatedAt = _scheduler.Now;
            transfer = _transferSeq;
            if (!_haveChunk)
            {
                _inTransfer = false;
            }

            if (Protect(tlp, _haveChunk ? _chunks.Current.LengthDw * 4 : -1, _transferTee))
            {
                return tlp;
            }

            // Dropped by IDE: the bytes will never commit.
            OnWriteBytesDone(_transferSeq, c.Length, _scheduler.Now, committed: false);
        }
    }

    private Tlp? NextReadRequest(out long transfer)
    {
        transfer = -1;
        while (true)
        {
            if (_freeTags.Count == 0)
            {
                return null;
            }

            if (!_inTransfer && !BeginTransfer())
            {
                return null;
            }

            if (!_haveChunk)
            {
                _inTransfer = false;
                continue;
            }

            var c = _chunks.Current;
            _haveChunk = _chunks.MoveNext();
            if (!_haveChunk)
            {
                _inTransfer = false;
            }

            var tag = _freeTags.Pop();
            _tags[tag] = new TagEntry(true, _transferSeq, c.Address, c.Length, _transferDeviceOffset + (long)(c.Address - _transferAddress), 0, _transferTee);
            var tlp = _pool.Rent();
            tlp.EncodeForPayload(TlpHeader.MemoryRead(_client.RequesterId, tag, c.Address, c.Length));
            tlp.Cookie = _transferSeq;
            tlp.CreatedAt = _scheduler.Now;
            transfer = _transferSeq;
            if (Protect(tlp, -1, _transferTee))
            {
                return tlp;
            }

            // Dropped by IDE: the request is lost; free its tag and fail its bytes.
            _tags[tag] = default;
            _freeTags.Push(tag);
            Fail(DmaStatus.IdeFailure);
            OnReadBytesDone(_transferSeq, c.Length, failed: true);
        }
    }

    /// <summary>Starts the next transfer of the job if there is one and the TDI enforcement allows it.</summary>
    private bool BeginTransfer()
    {
        if (_nextIndex >= _job.Count || _jobStatus != DmaStatus.Success)
        {
            if (_job.IsWrite)
            {
                return false;
            }

            CheckReadPhaseDone();
            return false;
        }

        var grant = _client.AuthorizeRequest(_job.NonTee);
        if (!grant.Allowed)
        {
            Fail(DmaEngine.RefusalStatus(grant.Refusal));
            if (!_job.IsWrite)
            {
                CheckReadPhaseDone();
            }

            return false;
        }

        var index = _nextIndex++;
        _transferTee = grant.TeeOriginated;
        _transferAddress = _job.AddressOf(index);
        _transferDeviceOffset = _job.DeviceOffsetOf(index);
        _transferSeq = _transferNext;
        NewTrack(_job.TransferSize);
        _issuedTransfers++;
        var p = _port.Timing.Parameters;
        _chunks = _job.IsWrite
            ? TlpSplitter.Writes(_transferAddress, _job.TransferSize, p.MaxPayloadSize)
            : TlpSplitter.ReadRequests(_transferAddress, _job.TransferSize, p.MaxReadRequestSize);
        _haveChunk = _chunks.MoveNext();
        _inTransfer = true;
        _firstOfTransfer = true;
        return true;
    }

    /// <summary>IDE-protects a TLP the device sends (functional: sealed; timing: framed). False when IDE dropped it.</summary>
    private bool Protect(Tlp tlp, int nextPayloadBytes, bool tee)
    {
        var stream = _stream;
        if (stream is null || !stream.IsEnabled)
        {
            return true;
        }

        if (!_functional)
        {
            Framer(stream).Frame(tlp, nextPayloadBytes, tee);
            return true;
        }

        switch (stream.Seal(tlp, nextPayloadBytes, tee))
        {
            case IdeSealStatus.Sealed:
            case IdeSealStatus.NotEnabled:
            case IdeSealStatus.NotAllowed:
                return true;
            default:
                IdeTransmitDrops++;
                tlp.Release();
                return false;
        }
    }

    // ---------------------------------------------------------------- receive

    void ILinkReceiver.OnTlpReceived(LinkPort port, Tlp tlp)
    {
        if (tlp.Layout.HasIdePrefix && _functional)
        {
            var sink = new ReceiveSink(this);
            _device.Ide.Receive(tlp, ref sink);
            return;
        }

        if (!tlp.Layout.HasIdePrefix)
        {
            var none = default(ReceiveSink);
            _device.Ide.Receive(tlp, ref none); // an IDE Fail message makes its stream Insecure
        }

        OnCompletion(tlp, default, hasSegment: false);
        tlp.Release();
    }

    private void OnVerified(in IdeVerifiedSegment segment)
    {
        OnCompletion(segment.Tlp, segment, hasSegment: true);
        segment.Tlp.Release();
    }

    private void OnDropped(Tlp tlp)
    {
        if (TlpCodec.IsCompletion(tlp.Header.Type) && tlp.Header.Tag < _tags.Length && _tags[tlp.Header.Tag].InUse)
        {
            // The data is gone: the request fails as a whole.
            ref var entry = ref _tags[tlp.Header.Tag];
            var remaining = entry.Length - entry.Received;
            CompleteTag(tlp.Header.Tag, DmaStatus.IdeFailure, remaining);
        }

        tlp.Release();
    }

    private void OnCompletion(Tlp tlp, in IdeVerifiedSegment segment, bool hasSegment)
    {
        ref readonly var h = ref tlp.Header;
        if (!TlpCodec.IsCompletion(h.Type))
        {
            return;
        }

        if (h.Tag >= _tags.Length || !_tags[h.Tag].InUse)
        {
            UnexpectedCompletions++;
            return;
        }

        ref var entry = ref _tags[h.Tag];
        if (h.Status != CompletionStatus.SuccessfulCompletion || h.Type != TlpType.CompletionWithData)
        {
            var status = h.Status == CompletionStatus.CompleterAbort ? DmaStatus.CompleterAbort : DmaStatus.UnsupportedRequest;
            CompleteTag(h.Tag, status, entry.Length - entry.Received);
            return;
        }

        var byteCount = h.ByteCount == 0 ? 4096 : h.ByteCount;
        var lead = h.LowerAddress & 3;
        var bytes = Math.Min(byteCount, tlp.Layout.PayloadBytes - lead);
        var offset = entry.Length - byteCount;
        if (bytes <= 0 || offset < 0 || offset + bytes > entry.Length)
        {
            UnexpectedCompletions++;
            return;
        }

        var accepted = !entry.Orphaned && _client.AcceptCompletion(entry.Tee);
        if (accepted && (_functional || entry.Transfer == DescriptorTag))
        {
            Span<byte> plain = stackalloc byte[tlp.Layout.PayloadBytes];
            if (hasSegment)
            {
                segment.Decrypt(plain);
            }
            else
            {
                tlp.Payload.CopyTo(plain);
            }

            var data = plain.Slice(lead, bytes);
            if (entry.Transfer == DescriptorTag)
            {
                data.CopyTo(_descriptor.AsSpan(offset));
            }
            else
            {
                _client.Memory.Write(entry.DeviceOffset + offset, data);
            }
        }

        entry.Received += bytes;
        if (!accepted && entry.Status == DmaStatus.Success)
        {
            entry.Status = DmaStatus.CompletionDiscarded;
        }

        if (entry.Received >= entry.Length)
        {
            CompleteTag(h.Tag, entry.Status, 0);
        }
    }

    /// <summary>A read request is finished (all data in, or failed with <paramref name="status"/>): free its tag and account for it.</summary>
    private void CompleteTag(ushort tag, DmaStatus status, int missingBytes)
    {
        var entry = _tags[tag];
        _tags[tag] = default;
        _freeTags.Push(tag);
        if (entry.Orphaned)
        {
            Pump();
            return;
        }

        if (entry.Transfer == DescriptorTag)
        {
            _client.OnDescriptorFetched(status, _descriptor);
        }
        else
        {
            if (status != DmaStatus.Success)
            {
                Fail(status);
            }

            OnReadBytesDone(entry.Transfer, entry.Length, failed: status != DmaStatus.Success || missingBytes > 0);
            CheckReadPhaseDone();
        }

        Pump();
    }

    private void CheckReadPhaseDone()
    {
        if (_dataActive && !_job.IsWrite && !_inTransfer && (_nextIndex == _job.Count || _jobStatus != DmaStatus.Success) &&
            _finishedTransfers == _issuedTransfers)
        {
            _dataActive = false;
            _client.OnDataPhaseDone(_jobStatus, _issuedTransfers, _scheduler.Now);
        }
    }

    private void Fail(DmaStatus status)
    {
        if (_jobStatus == DmaStatus.Success)
        {
            _jobStatus = status;
        }
    }

    // ---------------------------------------------------------------- transfer tracking (latency)

    void IPostedWriteObserver.OnPostedWriteDone(long cookie, int bytes, SimTime done, bool committed)
    {
        if (cookie >= 0)
        {
            OnWriteBytesDone(cookie, bytes, done, committed);
        }
    }

    private void OnWriteBytesDone(long transfer, int bytes, SimTime done, bool committed)
    {
        if (transfer < _transferBase || transfer >= _transferNext)
        {
            return;
        }

        ref var t = ref Track(transfer);
        t.Remaining -= bytes;
        t.Failed |= !committed;
        if (t.Remaining <= 0 && !t.Finished)
        {
            t.Finished = true;
            Record(ref t, write: true, done);
        }

        Retire();
    }

    private void OnReadBytesDone(long transfer, int bytes, bool failed)
    {
        if (transfer < _transferBase || transfer >= _transferNext)
        {
            return;
        }

        ref var t = ref Track(transfer);
        t.Remaining -= bytes;
        t.Failed |= failed;
        if (t.Remaining <= 0 && !t.Finished)
        {
            t.Finished = true;
            if (transfer >= _jobFirstTransfer)
            {
                _finishedTransfers++;
            }

            Record(ref t, write: false, _scheduler.Now);
        }

        Retire();
    }

    private void Record(ref TransferTrack t, bool write, SimTime done)
    {
        if (t.Failed)
        {
            _client.Statistics.TransfersFailed++;
            return;
        }

        _client.Statistics.RecordTransfer(write, t.Bytes, t.Issued, done);
    }

    private void NewTrack(int bytes)
    {
        if (_transferNext - _transferBase == _transfers.Length)
        {
            var bigger = new TransferTrack[_transfers.Length * 2];
            for (var i = _transferBase; i < _transferNext; i++)
            {
                bigger[i & (bigger.Length - 1)] = _transfers[i & (_transfers.Length - 1)];
            }

            _transfers = bigger;
        }

        _transfers[_transferNext & (_transfers.Length - 1)] = new TransferTrack { Bytes = bytes, Remaining = bytes };
        _transferNext++;
    }

    private ref TransferTrack Track(long transfer) => ref _transfers[transfer & (_transfers.Length - 1)];

    private void Retire()
    {
        while (_transferBase < _transferNext && Track(_transferBase).Finished)
        {
            _transferBase++;
        }
    }

    private IdeStream? StreamFor(byte? streamId) => streamId is { } id ? _device.Ide.FindStream(id) : null;

    private IdeTimingFramer Framer(IdeStream stream)
    {
        if (!_framers.TryGetValue(stream, out var framer))
        {
            framer = new IdeTimingFramer(stream.StreamId, stream.Settings);
            _framers.Add(stream, framer);
        }

        return framer;
    }

    private enum ControlKind : byte
    {
        DescriptorRead,
        PostedWrite,
    }

    private readonly record struct ControlItem(ControlKind Kind, ulong Address, int Length, ulong Data0, ulong Data1, bool Tee);

    private record struct TagEntry(bool InUse, long Transfer, ulong Address, int Length, long DeviceOffset, int Received, bool Tee)
    {
        public DmaStatus Status;

        /// <summary>Issued before an <see cref="Abort"/>: its answer is dropped.</summary>
        public bool Orphaned;
    }

    private struct TransferTrack
    {
        public SimTime Issued;
        public int Bytes;
        public int Remaining;
        public bool Failed;
        public bool Finished;
    }

    private readonly struct ReceiveSink(PacketDmaTransport transport) : IIdeReceiveSink
    {
        public void OnVerified(in IdeVerifiedSegment segment) => transport.OnVerified(in segment);

        public void OnDropped(Tlp tlp, IdeCheckFailure reason) => transport.OnDropped(tlp);
    }
}
