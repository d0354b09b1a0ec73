namespace SevTio.Hw.Pcie;

/// <summary>
/// One piece of a split transfer: a request's or completion's address and byte count. For completions
/// <see cref="ByteCount"/> is the Byte Count field (bytes still to return, this one included) and
/// <see cref="LowerAddress"/> the Lower Address field; for requests they are the chunk's own length and address bits.
/// </summary>
public readonly record struct TlpChunk(ulong Address, int Length, int ByteCount, byte LowerAddress)
{
    /// <summary>Payload dwords on the wire for this chunk (partial dwords at either end count whole).</summary>
    public int LengthDw => (int)((((Address + (ulong)Length) + 3) & ~3UL) - (Address & ~3UL)) / 4;
}
