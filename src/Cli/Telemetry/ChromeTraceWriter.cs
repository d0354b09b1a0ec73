using System.Text.Json;

namespace SevTio.Cli.Telemetry;

/// <summary>
/// Writes spans and counters as a Chrome/Perfetto trace (the Trace Event Format's JSON object form): one process,
/// one track (thread) per component — the span's ActivitySource —, complete events (<c>ph:"X"</c>) with
/// <c>ts</c>/<c>dur</c> in microseconds of simulated time (fractional: picoseconds / 10^6), counter events
/// (<c>ph:"C"</c>), and a flow arrow (<c>ph:"s"</c> → <c>ph:"f"</c>, binding to the enclosing slices) wherever a span's
/// parent is on another track, so a guest request can be followed down to the device.
/// </summary>
/// <remarks>
/// Complete events on one track must nest. Spans of one component that overlap without nesting (a command open across
/// continuations while another runs) go to a second lane of that component, named "SOURCE #2".
/// </remarks>
public static class ChromeTraceWriter
{
    public const int ProcessId = 1;

    /// <summary>Tracks top to bottom in call order: guest → GHCB exit → host → PSP → DOE → device firmware → DMA.</summary>
    private static readonly string[] s_trackOrder = ["SevTio.Guest", "SevTio.Host", "SevTio.Psp", "SevTio.Doe", "SevTio.Dsm", "SevTio.Dma"];

    public static void Write(Stream stream, string title, IReadOnlyList<TraceSpan> spans, IReadOnlyList<TraceCounter> counters)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(counters);

        var (lanes, tracks) = AssignTracks(spans);
        var byId = new Dictionary<string, TraceSpan>(spans.Count);
        foreach (var span in spans)
        {
            byId[span.SpanId] = span;
        }

        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartObject("otherData");
        json.WriteString("title", title);
        json.WriteString("clock", "simulated time (ts and dur in microseconds since simulated time zero)");
        json.WriteEndObject();
        json.WriteStartArray("traceEvents");

        Metadata(json, "process_name", null, title);
        for (var i = 0; i < tracks.Count; i++)
        {
            Metadata(json, "thread_name", i + 1, tracks[i]);
            json.WriteStartObject();
            json.WriteString("ph", "M");
            json.WriteString("name", "thread_sort_index");
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("tid", i + 1);
            json.WriteStartObject("args");
            json.WriteNumber("sort_index", i + 1);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        foreach (var span in Ordered(spans))
        {
            json.WriteStartObject();
            json.WriteString("ph", "X");
            json.WriteString("name", span.Name);
            json.WriteString("cat", span.Source);
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("tid", lanes[span.SpanId]);
            json.WriteNumber("ts", Microseconds(span.StartPicoseconds));
            json.WriteNumber("dur", Microseconds(span.DurationPicoseconds));
            json.WriteStartObject("args");
            json.WriteString("span_id", span.SpanId);
            if (span.ParentSpanId is not null)
            {
                json.WriteString("parent_span_id", span.ParentSpanId);
            }

            json.WriteNumber("sim_start_ps", span.StartPicoseconds);
            json.WriteNumber("sim_end_ps", span.EndPicoseconds);
            foreach (var (key, value) in span.Tags)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        var flow = 0;
        foreach (var span in Ordered(spans))
        {
            if (span.ParentSpanId is null || !byId.TryGetValue(span.ParentSpanId, out var parent) || lanes[parent.SpanId] == lanes[span.SpanId])
            {
                continue;
            }

            // The arrow leaves the parent's slice where the child starts and lands on the child's first instant.
            flow++;
            Flow(json, "s", flow, lanes[parent.SpanId], span);
            Flow(json, "f", flow, lanes[span.SpanId], span);
        }

        foreach (var counter in counters.OrderBy(c => c.At))
        {
            json.WriteStartObject();
            json.WriteString("ph", "C");
            json.WriteString("name", counter.Name);
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("ts", Microseconds(counter.At.Picoseconds));
            json.WriteStartObject("args");
            foreach (var (series, value) in counter.Values)
            {
                json.WriteNumber(series, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static double Microseconds(long picoseconds) => picoseconds / 1e6;

    // Parents before children: earlier start first, and at the same start the longer span first.
    private static IEnumerable<TraceSpan> Ordered(IReadOnlyList<TraceSpan> spans) =>
        spans.OrderBy(s => s.StartPicoseconds).ThenByDescending(s => s.EndPicoseconds).ThenBy(s => s.SpanId, StringComparer.Ordinal);

    private static (Dictionary<string, int> Lanes, List<string> Tracks) AssignTracks(IReadOnlyList<TraceSpan> spans)
    {
        var sources = spans.Select(s => s.Source).Distinct()
            .OrderBy(s => Array.IndexOf(s_trackOrder, s) is var i and >= 0 ? i : s_trackOrder.Length)
            .ThenBy(s => s, StringComparer.Ordinal)
            .ToList();

        // Per source, lanes of open-span stacks: a span goes to the first lane where it nests in what is still open.
        var laneOf = new Dictionary<string, (string Source, int Lane)>(spans.Count);
        var laneCount = new Dictionary<string, int>();
        var open = new Dictionary<string, List<Stack<long>>>();
        foreach (var span in Ordered(spans))
        {
            if (!open.TryGetValue(span.Source, out var stacks))
            {
                open[span.Source] = stacks = [];
            }

            var lane = 0;
            for (; lane < stacks.Count; lane++)
            {
                var stack = stacks[lane];
                while (stack.Count > 0 && stack.Peek() <= span.StartPicoseconds)
                {
                    stack.Pop();
                }

                if (stack.Count == 0 || stack.Peek() >= span.EndPicoseconds)
                {
                    break;
                }
            }

            if (lane == stacks.Count)
            {
                stacks.Add(new Stack<long>());
            }

            stacks[lane].Push(span.EndPicoseconds);
            laneOf[span.SpanId] = (span.Source, lane);
            laneCount[span.Source] = Math.Max(laneCount.GetValueOrDefault(span.Source), lane + 1);
        }

        var tracks = new List<string>();
        var tid = new Dictionary<(string, int), int>();
        foreach (var source in sources)
        {
            for (var lane = 0; lane < laneCount[source]; lane++)
            {
                tracks.Add(lane == 0 ? source : $"{source} #{lane + 1}");
                tid[(source, lane)] = tracks.Count;
            }
        }

        var lanes = new Dictionary<string, int>(spans.Count);
        foreach (var (id, where) in laneOf)
        {
            lanes[id] = tid[where];
        }

        return (lanes, tracks);
    }

    private static void Metadata(Utf8JsonWriter json, string kind, int? tid, string name)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", kind);
        json.WriteNumber("pid", ProcessId);
        if (tid is { } t)
        {
            json.WriteNumber("tid", t);
        }

        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Flow(Utf8JsonWriter json, string phase, int id, int tid, TraceSpan child)
    {
        json.WriteStartObject();
        json.WriteString("ph", phase);
        json.WriteString("name", child.Name);
        json.WriteString("cat", "call");
        json.WriteNumber("id", id);
        json.WriteNumber("pid", ProcessId);
        json.WriteNumber("tid", tid);
        json.WriteNumber("ts", Microseconds(child.StartPicoseconds));
        json.WriteString("bp", "e");
        json.WriteEndObject();
    }
}
