namespace SevTio.Hw.Ide;

/// <summary>
/// The first IDE error a stream logged (AER logs only the first, §6.33.8): why, which AER bit, the stream, and the
/// TLP's prefix and header bytes as the Header Log would hold them.
/// </summary>
public sealed record IdeErrorRecord(IdeCheckFailure Reason, int AerBit, byte StreamId, byte[] HeaderLog)
{
    public override string ToString() => $"stream {StreamId}: {Reason} (AER bit {AerBit}) header {Convert.ToHexString(HeaderLog)}";
}
