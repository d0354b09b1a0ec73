using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Pcie;

/// <summary>
/// Plays a device and a host around a packet-level <see cref="PcieLink"/>: back-to-back DMA writes (device → host MWr)
/// or reads (device MRd → host CplD, unlimited tags, zero host latency), one event per TLP through the link.
/// Bandwidth is measured in steady state between the completion of the first and the last DMA.
/// </summary>
internal sealed class DmaLinkHarness : ILinkReceiver, ILinkSendRetry, IIdeReceiveSink
{
    private const ushort DeviceId = 0x0100;
    private const ushort RootPortId = 0x0000;

    private readonly Scheduler _scheduler = new();
    private readonly TlpPool _pool = new(64);
    private readonly PcieLink _link;
    private readonly long _size;
    private readonly int _count;
    private readonly ulong _base;
    private readonly SimTime[] _done;
    private readonly long[] _received;
    private readonly Queue<(ulong Address, int Length, int Job)> _hostCompletions = new();
    private readonly Queue<TlpChunk> _hostChunks = new();
    private int _job;
    private TlpSplitter.RequestEnumerator _chunks;
    private bool _haveChunk;
    private Tlp? _pendingDevice;
    private Tlp? _pendingHost;
    private int _hostJob;
    private ushort _tag;

    private readonly IdeStream? _deviceTx;
    private readonly IdeStream? _hostRx;
    private readonly byte[] _scratch = new byte[4096];

    /// <summary>Payload bytes the host decrypted and checked (IDE runs only).</summary>
    public long DecryptedBytes { get; private set; }

    public DmaLinkHarness(LinkParameters parameters, long size, int count, ulong baseAddress = 1UL << 32, IdeStream? deviceTx = null, IdeStream? hostRx = null)
    {
        _deviceTx = deviceTx;
        _hostRx = hostRx;
        _link = new PcieLink(_scheduler, parameters);
        _link.UpstreamPort.Receiver = this;
        _link.DownstreamPort.Receiver = this;
        _link.UpstreamPort.RetryListener = this;
        _link.DownstreamPort.RetryListener = this;
        _size = size;
        _count = count;
        _base = baseAddress;
        _done = new SimTime[count];
        _received = new long[count];
    }

    public PcieLink Link => _link;

    public Scheduler Scheduler => _scheduler;

    public TlpPool Pool => _pool;

    /// <summary>Runs back-to-back DMA writes and returns the steady-state payload bandwidth.</summary>
    public Bandwidth RunWrites()
    {
        _reading = false;
        StartJob(0);
        PumpDevice();
        _scheduler.RunUntilIdle();
        return Measure();
    }

    /// <summary>Runs back-to-back DMA reads and returns the steady-state payload bandwidth.</summary>
    public Bandwidth RunReads()
    {
        _reading = true;
        StartJob(0);
        PumpDevice();
        _scheduler.RunUntilIdle();
        return Measure();
    }

    private bool _reading;

    private Bandwidth Measure()
    {
        if (_received.Any(r => r != _size))
        {
            throw new InvalidOperationException("not every DMA completed");
        }

        var span = _done[_count - 1] - _done[0];
        return new Bandwidth((_count - 1) * _size / span.TotalSeconds);
    }

    private void StartJob(int job)
    {
        _job = job;
        var address = _base + ((ulong)job * (ulong)_size);
        var mps = _link.Parameters.MaxPayloadSize;
        var mrrs = _link.Parameters.MaxReadRequestSize;
        _chunks = _reading ? TlpSplitter.ReadRequests(address, _size, mrrs) : TlpSplitter.Writes(address, _size, mps);
        _haveChunk = _chunks.MoveNext();
    }

    private void PumpDevice()
    {
        while (true)
        {
            if (_pendingDevice is null && _deviceTx is { SyncPending: true })
            {
                // §6.33.7: a PR_Sent counter reached 245; the IDE Sync goes next on the posted path.
                var sync = _pool.Rent();
                if (_deviceTx.SealSync(sync) != IdeSealStatus.Sealed)
                {
                    throw new InvalidOperationException("IDE sync failed");
                }

                _pendingDevice = sync;
                SyncsSent++;
            }

            if (_pendingDevice is null)
            {
                if (!_haveChunk)
                {
                    if (_job + 1 >= _count)
                    {
                        return;
                    }

                    StartJob(_job + 1);
                    continue;
                }

                var c = _chunks.Current;
                var tlp = _pool.Rent();
                if (_reading)
                {
                    var h = TlpHeader.MemoryRead(DeviceId, (ushort)(_tag++ & 0x3FF), c.Address, c.Length);
                    tlp.EncodeForPayload(h);
                }
                else
                {
                    var payload = tlp.EncodeForPayload(TlpHeader.MemoryWrite(DeviceId, c.Address, c.Length));
                    payload.Fill((byte)_job);
                }

                tlp.Cookie = _job;
                _pendingDevice = tlp;
                _haveChunk = _chunks.MoveNext();
                if (_deviceTx is not null)
                {
                    // The DMA engine knows whether another TLP of this transfer follows (the unit closes at the transfer's end).
                    var next = _haveChunk ? _chunks.Current.LengthDw * 4 : -1;
                    if (_deviceTx.Seal(tlp, next) != IdeSealStatus.Sealed)
                    {
                        throw new InvalidOperationException("IDE seal failed");
                    }
                }
            }

            if (!_link.UpstreamPort.TrySend(_pendingDevice))
            {
                return;
            }

            _pendingDevice = null;
        }
    }

    private void PumpHost()
    {
        var p = _link.Parameters;
        while (true)
        {
            if (_pendingHost is null)
            {
                if (_hostChunks.Count == 0)
                {
                    if (_hostCompletions.Count == 0)
                    {
                        return;
                    }

                    var (address, length, job) = _hostCompletions.Dequeue();
                    _hostJob = job;
                    foreach (var cpl in TlpSplitter.Completions(address, length, p.ReadCompletionBoundary, p.MaxPayloadSize, p.CompletionSplit))
                    {
                        _hostChunks.Enqueue(cpl);
                    }
                }

                var c = _hostChunks.Dequeue();
                var tlp = _pool.Rent();
                tlp.EncodeForPayload(TlpHeader.CompletionWithData(RootPortId, DeviceId, 0, c.Address, c.Length, c.ByteCount));
                tlp.Cookie = _hostJob;
                _pendingHost = tlp;
            }

            if (!_link.DownstreamPort.TrySend(_pendingHost))
            {
                return;
            }

            _pendingHost = null;
        }
    }

    public void OnTlpReceived(LinkPort port, Tlp tlp)
    {
        var job = (int)tlp.Cookie;
        if (_hostRx is not null && port == _link.DownstreamPort)
        {
            var sink = this;
            _hostRx.Receive(tlp, ref sink);
            return;
        }

        if (port == _link.DownstreamPort)
        {
            // Host side.
            if (tlp.Header.Type == TlpType.MemoryWrite)
            {
                Account(job, tlp.Layout.PayloadBytes);
            }
            else if (tlp.Header.Type == TlpType.MemoryRead)
            {
                _hostCompletions.Enqueue((tlp.Header.Address, tlp.Header.LengthDw * 4, job));
                PumpHost();
            }
        }
        else if (tlp.Header.Type == TlpType.CompletionWithData)
        {
            Account(job, tlp.Layout.PayloadBytes);
        }

        tlp.Release();
    }

    public int SyncsSent { get; private set; }

    public void OnVerified(in IdeVerifiedSegment segment)
    {
        var tlp = segment.Tlp;
        if (tlp.Header.Type == TlpType.Message)
        {
            tlp.Release();
            return;
        }

        var length = tlp.Layout.PayloadBytes;
        segment.Decrypt(_scratch);
        var job = (int)tlp.Cookie;
        if (_scratch[0] != (byte)job || _scratch[length - 1] != (byte)job)
        {
            throw new InvalidOperationException("decrypted payload does not match what the device wrote");
        }

        DecryptedBytes += length;
        Account(job, length);
        tlp.Release();
    }

    public void OnDropped(Tlp tlp, IdeCheckFailure reason) => throw new InvalidOperationException($"IDE dropped a TLP: {reason}");

    public void OnSendRetry(LinkPort port)
    {
        if (port == _link.UpstreamPort)
        {
            PumpDevice();
        }
        else
        {
            PumpHost();
        }
    }

    private void Account(int job, int bytes)
    {
        _received[job] += bytes;
        if (_received[job] == _size)
        {
            _done[job] = _scheduler.Now;
        }
    }
}
