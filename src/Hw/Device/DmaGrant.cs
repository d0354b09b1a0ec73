namespace SevTio.Hw.Device;

/// <summary>The TDI enforcement's answer for one request the device wants to issue: allowed or not, and its T bit.</summary>
public readonly record struct DmaGrant(TdiRefusal Refusal, bool TeeOriginated)
{
    public bool Allowed => Refusal == TdiRefusal.None;

    public static DmaGrant Refused(TdiRefusal refusal) => new(refusal, false);

    public override string ToString() => Allowed ? $"allowed, T={(TeeOriginated ? 1 : 0)}" : $"refused: {Refusal}";
}
