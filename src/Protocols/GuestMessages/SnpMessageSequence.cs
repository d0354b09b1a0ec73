namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// Sequence numbering of SNP guest messages (Linux sev-guest <c>snp_get_msg_seqno</c>/<c>snp_inc_msg_seqno</c>):
/// the guest keeps a 32-bit counter (secrets-page OS area, starts at 0). A request uses counter + 1 (odd), the PSP
/// answers with request + 1, and after a completed exchange the counter advances by 2. Sequence 0 is never used, and
/// the guest stops before the counter wraps. Because the sequence number is the IV, a number must never be reused
/// with the same VMPCK; the PSP refuses a request whose number is not the one it expects.
/// </summary>
public static class SnpMessageSequence
{
    /// <summary>Last usable counter value (Linux refuses once <c>count + 1 &gt;= UINT_MAX</c>).</summary>
    public const uint MaxCounter = uint.MaxValue - 2;

    /// <summary>Sequence number of the next request for an OS-area counter value.</summary>
    public static ulong RequestSequenceNumber(uint counter)
    {
        if (counter > MaxCounter)
        {
            throw new ArgumentOutOfRangeException(nameof(counter), counter, "the message sequence is exhausted; the VMPCK must be retired");
        }

        return (ulong)counter + 1;
    }

    /// <summary>Sequence number the response to <paramref name="requestSequenceNumber"/> must carry.</summary>
    public static ulong ResponseSequenceNumber(ulong requestSequenceNumber) => requestSequenceNumber + 1;

    /// <summary>Counter after a completed request/response exchange.</summary>
    public static uint Advance(uint counter) => counter + 2;
}
