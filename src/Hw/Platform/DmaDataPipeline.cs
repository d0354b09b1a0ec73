using System.Threading.Channels;
using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.RootComplex;

namespace SevTio.Hw.Platform;

/// <summary>
/// The burst level's functional data path across two threads (DESIGN.md: "stages may run on separate threads joined
/// by System.Threading.Channels"). The simulation thread keeps all simulated state (scheduler, link, IOMMU, timing)
/// and produces batches of real, IDE-sealed TLPs: device data + IDE seal for writes, memory read + IDE seal at the root
/// port for read completions. The worker consumes them: IDE MAC check + fused decrypt → memory encrypt into the page
/// for writes, IDE check + decrypt into device memory for completions.
/// </summary>
/// <remarks>
/// The worker touches only the receiving IDE port, memory pages and device memory; no simulated time or decision
/// depends on it, so a run's simulated figures are identical with one worker (everything inline) and two.
/// <see cref="Drain"/> is the fence: the simulation thread calls it before it reads or writes memory the worker may use
/// (the job's completion record, the next descriptor), so software and the model see a consistent memory.
/// </remarks>
internal sealed class DmaDataPipeline : IDisposable
{
    private const int Batches = 4;
    private const int SpinsBeforeBlocking = 40;

    private readonly RootPort _root;
    private readonly TdispDevice _device;
    private readonly bool _threaded;
    private readonly int _maxPayloadBytes;
    private readonly Stack<DmaBatch> _idle = new();
    private readonly Channel<DmaBatch>? _full;
    private readonly Channel<DmaBatch>? _free;
    private readonly BatchReader? _submitted;
    private readonly BatchReader? _returned;
    private readonly Thread? _worker;
    private int _created;
    private int _inFlight;
    private Exception? _failure;

    /// <param name="maxPayloadBytes">The link's MPS: the largest payload of a TLP in a batch.</param>
    public DmaDataPipeline(RootPort root, TdispDevice device, int workers, int maxPayloadBytes)
    {
        _maxPayloadBytes = maxPayloadBytes;
        _root = root;
        _device = device;
        _threaded = workers >= 2;
        if (_threaded)
        {
            _full = Channel.CreateBounded<DmaBatch>(new BoundedChannelOptions(Batches) { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
            _free = Channel.CreateUnbounded<DmaBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
            _submitted = new BatchReader(_full.Reader);
            _returned = new BatchReader(_free.Reader);
            _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "sevtio-dma-consumer" };
            _worker.Start();
        }
    }

    /// <summary>Batches consumed so far.</summary>
    public long BatchesConsumed;

    /// <summary>An empty batch of <paramref name="kind"/> (waits for one to come back when all are in flight).</summary>
    public DmaBatch Rent(DmaBatchKind kind)
    {
        DmaBatch batch;
        if (_idle.Count > 0)
        {
            batch = _idle.Pop();
        }
        else if (_created < Batches || !_threaded)
        {
            _created++;
            batch = new DmaBatch(_maxPayloadBytes);
        }
        else
        {
            batch = WaitForReturn();
        }

        batch.Kind = kind;
        batch.Count = 0;
        return batch;
    }

    /// <summary>Hands a filled batch to the consumer (inline with one worker).</summary>
    public void Submit(DmaBatch batch)
    {
        if (batch.Count == 0)
        {
            _idle.Push(batch);
            return;
        }

        if (!_threaded)
        {
            Consume(batch);
            _idle.Push(batch);
            return;
        }

        _inFlight++;
        if (!_full!.Writer.TryWrite(batch))
        {
            _full.Writer.WriteAsync(batch).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits until the consumer has finished every submitted batch (the fence).</summary>
    public void Drain()
    {
        while (_inFlight > 0)
        {
            _idle.Push(WaitForReturn());
        }

        if (_failure is { } e)
        {
            _failure = null;
            throw new InvalidOperationException("the DMA data path's worker failed", e);
        }
    }

    public void Dispose()
    {
        if (_threaded)
        {
            _full!.Writer.TryComplete();
            _worker!.Join();
            _submitted!.Dispose();
            _returned!.Dispose();
        }
    }

    private DmaBatch WaitForReturn()
    {
        var batch = _returned!.Take() ?? throw new InvalidOperationException("the DMA data path's worker stopped");
        _inFlight--;
        return batch;
    }

    private void WorkerLoop()
    {
        while (_submitted!.Take() is { } batch)
        {
            try
            {
                Consume(batch);
            }
            catch (Exception e)
            {
                _failure ??= e;
            }

            _free!.Writer.TryWrite(batch);
        }
    }

    /// <summary>
    /// One side's end of a channel: the next batch, spinning briefly first (the other side usually hands one over within
    /// microseconds), then blocking on an event the channel's completion sets — without the task a
    /// <c>WaitToReadAsync().AsTask()</c> would allocate per wait.
    /// </summary>
    private sealed class BatchReader : IDisposable
    {
        private readonly ChannelReader<DmaBatch> _reader;
        private readonly ManualResetEventSlim _ready = new(false);
        private readonly Action _wake;

        public BatchReader(ChannelReader<DmaBatch> reader)
        {
            _reader = reader;
            _wake = _ready.Set;
        }

        /// <summary>The next batch; null once the channel is completed and empty.</summary>
        public DmaBatch? Take()
        {
            var spinner = default(SpinWait);
            while (true)
            {
                if (_reader.TryRead(out var batch))
                {
                    return batch;
                }

                if (spinner.Count < SpinsBeforeBlocking)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                    continue;
                }

                var waiting = _reader.WaitToReadAsync().GetAwaiter();
                if (!waiting.IsCompleted)
                {
                    _ready.Reset();
                    waiting.UnsafeOnCompleted(_wake);
                    _ready.Wait();
                }

                if (!waiting.GetResult())
                {
                    return null;
                }
            }
        }

        public void Dispose() => _ready.Dispose();
    }

    private void Consume(DmaBatch batch)
    {
        var sink = new ConsumeSink(this, batch);
        var port = batch.Kind == DmaBatchKind.Writes ? _root.Ide : _device.Ide;
        for (var i = 0; i < batch.Count; i++)
        {
            var tlp = batch.Tlps[i];
            if (batch.Lost[i])
            {
                continue;
            }

            if (tlp.Layout.HasIdePrefix)
            {
                if (batch.Kind == DmaBatchKind.Writes && batch.Use[i])
                {
                    // A whole payload into a private page: the MAC is checked in the pass that stores it.
                    port.ReceiveWrite(tlp, ref sink, _root.PrepareFusedWrite(tlp, in batch.Translations[i]));
                }
                else
                {
                    port.Receive(tlp, ref sink);
                }
            }
            else if (batch.Use[i])
            {
                ConsumePlain(batch, tlp, i);
            }
        }

        Interlocked.Increment(ref BatchesConsumed);
    }

    private void ConsumeVerified(DmaBatch batch, in IdeVerifiedSegment segment)
    {
        var index = (int)segment.Tlp.Cookie;
        if (index < 0 || index >= batch.Count || !batch.Use[index])
        {
            return;
        }

        if (batch.Kind == DmaBatchKind.Writes)
        {
            _root.ApplyWrite(in segment, in batch.Translations[index]);
            return;
        }

        var tlp = segment.Tlp;
        var lead = tlp.Header.LowerAddress & 3;
        Span<byte> plain = stackalloc byte[tlp.Layout.PayloadBytes];
        segment.Decrypt(plain);
        _device.Memory.Write(batch.DeviceOffsets[index], plain.Slice(lead, batch.DataBytes[index]));
    }

    private void ConsumePlain(DmaBatch batch, Tlp tlp, int index)
    {
        if (batch.Kind == DmaBatchKind.Writes)
        {
            _root.ApplyPlainWrite(tlp, in batch.Translations[index]);
            return;
        }

        var lead = tlp.Header.LowerAddress & 3;
        _device.Memory.Write(batch.DeviceOffsets[index], tlp.Payload.Slice(lead, batch.DataBytes[index]));
    }

    private readonly struct ConsumeSink(DmaDataPipeline pipeline, DmaBatch batch) : IIdeReceiveSink
    {
        public void OnVerified(in IdeVerifiedSegment segment) => pipeline.ConsumeVerified(batch, in segment);

        public void OnDropped(Tlp tlp, IdeCheckFailure reason)
        {
            // Nothing of a failed unit is committed; the batch keeps its TLP objects.
        }
    }
}
