using System.Diagnostics.Metrics;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>
/// What the DMA engine did, in plain fields updated on the data path: transfers and bytes per direction, jobs, the
/// latency of every transfer (write: first TLP issued → last byte committed at the root complex; read: first request
/// issued → last completion received), and the span of the data phase. Published through
/// <see cref="CreateInstruments"/> (observable counters, and one histogram recording per job).
/// </summary>
public sealed class DmaStatistics
{
    /// <summary>The meter name the DMA instruments belong under.</summary>
    public const string MeterName = "SevTio.Dma";

    private Histogram<double>? _jobDuration;

    public long TransfersWritten;
    public long TransfersRead;
    public long BytesWritten;
    public long BytesRead;
    public long JobsCompleted;
    public long JobsFailed;
    public long InterruptsSent;

    /// <summary>Transfers whose requests the root complex refused (dropped writes, UR/CA reads).</summary>
    public long TransfersFailed;

    /// <summary>Per-transfer latency of DMA writes.</summary>
    public LatencyHistogram WriteLatency { get; } = new();

    /// <summary>Per-transfer latency of DMA reads.</summary>
    public LatencyHistogram ReadLatency { get; } = new();

    /// <summary>The latency histogram of the direction that moved more transfers.</summary>
    public LatencyHistogram Latency => TransfersRead > TransfersWritten ? ReadLatency : WriteLatency;

    /// <summary>When the first data TLP of the first job entered the transmitter (MaxValue before any).</summary>
    public SimTime FirstDataIssued { get; private set; } = SimTime.MaxValue;

    /// <summary>When the last transfer finished (the last byte committed or received).</summary>
    public SimTime LastDataDone { get; private set; }

    /// <summary>Payload bytes moved in both directions.</summary>
    public long Bytes => BytesWritten + BytesRead;

    /// <summary>
    /// Records <paramref name="count"/> finished transfers of <paramref name="bytes"/> each and the same latency, the
    /// first issued at <paramref name="firstIssued"/> and the last done at <paramref name="lastDone"/>: what as many
    /// <see cref="RecordTransfer"/> calls record (a burst-level data phase records a run of equal transfers at once).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void RecordTransfers(bool write, int bytes, long count, SimTime latency, SimTime firstIssued, SimTime lastDone)
    {
        if (count <= 0)
        {
            return;
        }

        if (write)
        {
            TransfersWritten += count;
            BytesWritten += bytes * count;
            WriteLatency.Record(latency, count);
        }
        else
        {
            TransfersRead += count;
            BytesRead += bytes * count;
            ReadLatency.Record(latency, count);
        }

        if (firstIssued < FirstDataIssued)
        {
            FirstDataIssued = firstIssued;
        }

        if (lastDone > LastDataDone)
        {
            LastDataDone = lastDone;
        }
    }

    /// <summary>Records one finished transfer.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void RecordTransfer(bool write, int bytes, SimTime issued, SimTime done) => RecordTransfers(write, bytes, 1, done - issued, issued, done);

    /// <summary>
    /// Zeroes the counters and histograms, so a measured phase starts clean after set-up traffic (a driver priming the
    /// device). Call with the data path idle (after the platform drained).
    /// </summary>
    public void Reset()
    {
        TransfersWritten = 0;
        TransfersRead = 0;
        BytesWritten = 0;
        BytesRead = 0;
        JobsCompleted = 0;
        JobsFailed = 0;
        InterruptsSent = 0;
        TransfersFailed = 0;
        WriteLatency.Reset();
        ReadLatency.Reset();
        FirstDataIssued = SimTime.MaxValue;
        LastDataDone = SimTime.Zero;
    }

    /// <summary>Records a finished job (once per job: the only histogram recordings of the DMA path).</summary>
    public void RecordJob(bool succeeded, SimTime duration)
    {
        if (succeeded)
        {
            JobsCompleted++;
        }
        else
        {
            JobsFailed++;
        }

        _jobDuration?.Record(duration.TotalSeconds);
    }

    /// <summary>
    /// Creates the DMA instruments on <paramref name="meter"/> (normally a per-run <c>new Meter(DmaStatistics.MeterName)</c>):
    /// <c>sevtio.dma.io</c> [By] (tag <c>direction</c>), <c>sevtio.dma.transfers</c>, <c>sevtio.dma.jobs</c> (tag
    /// <c>status</c>), <c>sevtio.dma.interrupts</c>, the histogram <c>sevtio.dma.job.duration</c> (one recording per
    /// job) and the gauges <c>sevtio.dma.transfer.latency.p50</c> / <c>.p99</c>, all times in seconds of simulated time.
    /// </summary>
    public void CreateInstruments(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter(
            "sevtio.dma.io",
            () => new[]
            {
                new Measurement<long>(Volatile.Read(ref BytesWritten), new KeyValuePair<string, object?>("direction", "write")),
                new Measurement<long>(Volatile.Read(ref BytesRead), new KeyValuePair<string, object?>("direction", "read")),
            },
            "By",
            "DMA payload moved between device and host memory");
        meter.CreateObservableCounter(
            "sevtio.dma.transfers",
            () => new[]
            {
                new Measurement<long>(Volatile.Read(ref TransfersWritten), new KeyValuePair<string, object?>("direction", "write")),
                new Measurement<long>(Volatile.Read(ref TransfersRead), new KeyValuePair<string, object?>("direction", "read")),
            },
            "{transfer}",
            "DMA transfers finished");
        meter.CreateObservableCounter(
            "sevtio.dma.jobs",
            () => new[]
            {
                new Measurement<long>(Volatile.Read(ref JobsCompleted), new KeyValuePair<string, object?>("status", "ok")),
                new Measurement<long>(Volatile.Read(ref JobsFailed), new KeyValuePair<string, object?>("status", "failed")),
            },
            "{job}",
            "Descriptors executed");
        meter.CreateObservableCounter("sevtio.dma.interrupts", () => Volatile.Read(ref InterruptsSent), "{interrupt}", "MSI-X messages sent");
        _jobDuration = meter.CreateHistogram<double>("sevtio.dma.job.duration", "s", "Simulated time from a job's descriptor fetch to its last data on the link");
        meter.CreateObservableGauge("sevtio.dma.transfer.latency.p50", () => Latency.Percentile(0.50).TotalSeconds, "s", "Median simulated latency of a DMA transfer");
        meter.CreateObservableGauge("sevtio.dma.transfer.latency.p99", () => Latency.Percentile(0.99).TotalSeconds, "s", "99th percentile simulated latency of a DMA transfer");
    }
}
