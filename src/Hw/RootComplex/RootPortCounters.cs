namespace SevTio.Hw.RootComplex;

/// <summary>
/// Plain-field counters of the root port. The simulation thread updates the request counters; the bytes actually moved
/// (<see cref="BytesWritten"/>, <see cref="BytesRead"/>) by whichever single thread moves them at the time (the burst
/// level's worker during a write job's data phase; read them after the data path drained).
/// </summary>
public sealed class RootPortCounters
{
    public long WriteRequests;
    public long WritesDropped;
    public long ReadRequests;
    public long UnsupportedRequests;
    public long CompleterAborts;
    public long CompletionsSent;
    public long Messages;
    public long IdeDrops;

    /// <summary>Payload bytes stored into memory (functional mode).</summary>
    public long BytesWritten;

    /// <summary>Payload bytes read from memory into completions (functional mode).</summary>
    public long BytesRead;
}
