namespace SevTio.Hw.Ide;

/// <summary>Per-stream counters in plain fields (updated per TLP, published elsewhere).</summary>
public sealed class IdeStreamStatistics
{
    public long TlpsSealed;
    public long UnitsSealed;
    public long PayloadBytesSealed;
    public long TlpsVerified;
    public long UnitsVerified;
    public long PayloadBytesVerified;
    public long TlpsDropped;
    public long MacFailures;
    public long CheckFailures;
    public long PcrcFailures;
    public long SyncMessagesSent;
    public long SyncMessagesReceived;
    public long KeySetSwitches;
}
