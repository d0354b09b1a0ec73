namespace SevTio.Hw.Pcie;

/// <summary>
/// Counters of one link direction, in plain fields updated on the per-TLP path (published elsewhere, never per TLP).
/// </summary>
public sealed class LinkStatistics
{
    /// <summary>TLPs admitted for transmission.</summary>
    public long TlpsSent;

    /// <summary>TLPs delivered to the receiver.</summary>
    public long TlpsDelivered;

    /// <summary>Payload bytes (Length × 4) of TLPs sent; IDE ciphertext counts as payload, PCRC and MAC do not.</summary>
    public long PayloadBytes;

    /// <summary>TLP bytes sent (prefixes, headers, payload, trailers).</summary>
    public long TlpBytes;

    /// <summary>Link bytes sent: TLP bytes plus framing.</summary>
    public long WireBytes;

    /// <summary>Picoseconds the serialiser was busy.</summary>
    public long BusyPicoseconds;

    /// <summary>Refusals because the receiver had no credits for the TLP's class.</summary>
    public long CreditStalls;

    /// <summary>Refusals because the transmit queue was full.</summary>
    public long QueueStalls;

    /// <summary>Bursts reserved by the burst-level model (no per-TLP events).</summary>
    public long Bursts;

    public void Reset()
    {
        TlpsSent = TlpsDelivered = PayloadBytes = TlpBytes = WireBytes = BusyPicoseconds = CreditStalls = QueueStalls = Bursts = 0;
    }
}
