namespace SevTio.Hw.Pcie;

/// <summary>What a transfer costs in one link direction: TLPs, payload bytes and wire bytes (framing and IDE included).</summary>
public readonly record struct TransferCost(long Tlps, long PayloadBytes, long WireBytes)
{
    public static TransferCost operator +(TransferCost a, TransferCost b) =>
        new(a.Tlps + b.Tlps, a.PayloadBytes + b.PayloadBytes, a.WireBytes + b.WireBytes);
}
