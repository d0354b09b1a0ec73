using System.Diagnostics;
using System.Globalization;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Cli.Telemetry;

/// <summary>
/// <c>sevtio run --trace-json FILE</c>: records one run's spans with an <see cref="ActivityListener"/> and samples the
/// link's flow-control credits and the DMA queue depth on the simulation's clock, then writes a Chrome/Perfetto trace
/// (<see cref="ChromeTraceWriter"/>). Times are simulated: exact picoseconds from <see cref="SimSpan"/>'s attributes.
/// </summary>
/// <remarks>
/// Recording starts at <see cref="Observe"/> (after the once-per-process warm-up, so its scratch platform's spans stay
/// out) and keeps only spans started on the thread that called it: the simulation runs on that thread, while other
/// runs in the same process (parallel tests, sweeps) run on others. Counters are sampled on the simulation's clock at
/// every span start and end, every slice the runner advances (its progress report), and when the DMA engine finishes a job (per phase and per job, never per TLP): the trace
/// adds no scheduler event (a sampler event would shift the burst level's lookahead and <c>sim.events</c>), so it
/// changes no simulated figure. Credits move at packet level; the burst level paces bursts by reservation and keeps
/// the advertised credits, so there the wire-byte counter shows the link's progress.
/// </remarks>
public sealed class ChromeTraceRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly Lock _gate = new();
    private readonly List<TraceSpan> _spans = [];
    private readonly List<TraceCounter> _counters = [];
    private int _threadId = -1;
    private SevTioPlatform? _platform;

    public ChromeTraceRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name.StartsWith("SevTio.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) =>
                Volatile.Read(ref _threadId) == Environment.CurrentManagedThreadId ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStarted = OnStarted,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Spans recorded so far (ended ones), in the order they ended.</summary>
    public IReadOnlyList<TraceSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Counter samples recorded so far, in simulated-time order.</summary>
    public IReadOnlyList<TraceCounter> Counters
    {
        get
        {
            lock (_gate)
            {
                return [.. _counters];
            }
        }
    }

    /// <summary>Starts recording this run (call on the simulation thread, once the run's platform exists).</summary>
    public void Observe(SevTioPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        _platform = platform;
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        Sample(platform);
        platform.Device.Dma.JobFinished += _ => Sample(platform);
    }

    /// <summary>
    /// Progress reports come from the simulation thread every slice of simulated time the runner advances (50 us):
    /// the counters are sampled there too, then the report goes on to <paramref name="inner"/>.
    /// </summary>
    public IProgress<double> Sampling(IProgress<double>? inner) => new SamplingProgress(this, inner);

    /// <summary>Writes the trace (Trace Event Format JSON) of everything recorded so far.</summary>
    public void Write(Stream stream, string title) => ChromeTraceWriter.Write(stream, title, Spans, Counters);

    public void Dispose() => _listener.Dispose();

    private void Sample(SevTioPlatform platform)
    {
        var now = platform.Scheduler.Now;
        var device = platform.Link.UpstreamPort;
        var dma = platform.Device.Dma;
        var entries = dma.RingEntries;
        var depth = entries > 0 ? (dma.Tail - dma.Head) & (entries - 1) : 0;

        lock (_gate)
        {
            // The device's transmitter: its posted credits pace DMA writes, its non-posted credits DMA reads.
            // Infinite credits (a limit of 0 in InitFC) are not a level and are left out.
            AddCredits(now, "link.credits.posted", device.AvailableCredits(FlowControlType.Posted));
            AddCredits(now, "link.credits.non_posted", device.AvailableCredits(FlowControlType.NonPosted));
            _counters.Add(new TraceCounter("link.tlps_in_flight", now, [("device_to_root", device.InFlight), ("root_to_device", platform.Link.DownstreamPort.InFlight)]));
            _counters.Add(new TraceCounter("link.wire_bytes", now, [("device_to_root", Volatile.Read(ref device.Statistics.WireBytes)), ("root_to_device", Volatile.Read(ref platform.Link.DownstreamPort.Statistics.WireBytes))]));
            _counters.Add(new TraceCounter("dma.queue_depth", now, [("jobs", depth)]));
        }
    }

    private void AddCredits(SimTime now, string name, (int Header, int Data) credits)
    {
        var values = new List<(string, long)>(2);
        if (credits.Header != int.MaxValue)
        {
            values.Add(("header", credits.Header));
        }

        if (credits.Data != int.MaxValue)
        {
            values.Add(("data", credits.Data));
        }

        if (values.Count > 0)
        {
            _counters.Add(new TraceCounter(name, now, [.. values]));
        }
    }

    private void OnStarted(Activity activity)
    {
        if (Volatile.Read(ref _threadId) == Environment.CurrentManagedThreadId && _platform is { } platform)
        {
            Sample(platform);
        }
    }

    private void OnStopped(Activity activity)
    {
        if (Volatile.Read(ref _threadId) != Environment.CurrentManagedThreadId)
        {
            return;
        }

        if (_platform is { } platform)
        {
            Sample(platform);
        }

        var start = PicosecondsOf(activity, SimSpan.StartAttribute, activity.StartTimeUtc);
        var end = PicosecondsOf(activity, SimSpan.EndAttribute, activity.StartTimeUtc + activity.Duration);
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var tag in activity.TagObjects)
        {
            if (tag.Key is not SimSpan.StartAttribute and not SimSpan.EndAttribute && tag.Value is not null)
            {
                tags.Add(new(tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty));
            }
        }

        var span = new TraceSpan(
            activity.Source.Name, activity.DisplayName, activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            start, Math.Max(start, end), tags);
        lock (_gate)
        {
            _spans.Add(span);
        }
    }

    private sealed class SamplingProgress(ChromeTraceRecorder recorder, IProgress<double>? inner) : IProgress<double>
    {
        public void Report(double value)
        {
            if (Volatile.Read(ref recorder._threadId) == Environment.CurrentManagedThreadId && recorder._platform is { } platform)
            {
                recorder.Sample(platform);
            }

            inner?.Report(value);
        }
    }

    // SimSpan puts the exact picoseconds in attributes; a span from elsewhere falls back to its 100 ns timestamps.
    private static long PicosecondsOf(Activity activity, string attribute, DateTime fallback) =>
        activity.GetTagItem(attribute) is long ps ? ps : (fallback - SimSpan.Epoch).Ticks * 100_000;
}
