namespace SevTio.Cli.Telemetry;

/// <summary>One ended span of a recorded run, on simulated time.</summary>
public sealed record TraceSpan(string Source, string Name, string SpanId, string? ParentSpanId, long StartPicoseconds, long EndPicoseconds, IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    public long DurationPicoseconds => EndPicoseconds - StartPicoseconds;
}
