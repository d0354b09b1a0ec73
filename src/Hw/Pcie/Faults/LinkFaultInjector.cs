namespace SevTio.Hw.Pcie.Faults;

/// <summary>
/// Seeded link faults for soak runs: each TLP is independently corrupted with probability
/// <see cref="CorruptionRate"/> or dropped with probability <see cref="DropRate"/>. Faults that escaped the data link
/// layer's LCRC and replay are the ones IDE must catch (PCIe 6.0 §6.33.8); this models only those.
/// </summary>
/// <remarks>
/// The gap to the next fault is drawn from the geometric distribution once per fault, so a transfer that is not hit
/// costs a compare and a subtraction (no random draw, no allocation). Same seed and rates, same TLP stream → same
/// faults. At most one fault is taken per call: the rest of a hit transfer is discarded by the receiver's Insecure
/// stream anyway, so the next gap counts from the next call.
/// </remarks>
public sealed class LinkFaultInjector
{
    private readonly Random _random;
    private readonly double _logKeep;
    private long _gap;

    /// <param name="corruptionRate">Corrupted TLPs per TLP, in [0, 1].</param>
    /// <param name="dropRate">Dropped TLPs per TLP, in [0, 1]; with <paramref name="corruptionRate"/> at most 1.</param>
    /// <param name="seed">The run's seed (the injector derives its own stream from it).</param>
    public LinkFaultInjector(double corruptionRate, double dropRate, ulong seed)
    {
        if (!(corruptionRate >= 0 && dropRate >= 0 && corruptionRate + dropRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(corruptionRate), "fault rates must be in [0, 1] and sum to at most 1");
        }

        CorruptionRate = corruptionRate;
        DropRate = dropRate;
        _random = new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x4C46_4931));
        var rate = corruptionRate + dropRate;
        _logKeep = rate >= 1 ? double.NegativeInfinity : Math.Log(1 - rate);
        _gap = rate > 0 ? DrawGap() : long.MaxValue;
    }

    public double CorruptionRate { get; }

    public double DropRate { get; }

    /// <summary>Any fault configured.</summary>
    public bool Enabled => CorruptionRate + DropRate > 0;

    /// <summary>Faults are taken only while armed (the measured phase; the trust flow and priming run clean).</summary>
    public bool Armed { get; set; }

    /// <summary>TLPs that passed the injector while armed.</summary>
    public long TlpsSeen { get; private set; }

    public long Corruptions { get; private set; }

    public long Drops { get; private set; }

    public long Injected => Corruptions + Drops;

    /// <summary>
    /// <paramref name="tlps"/> TLPs pass the link: whether one of them is hit, which (<paramref name="index"/>, from 0),
    /// how, and a random word that picks the bit (<paramref name="entropy"/>).
    /// </summary>
    public bool TryHit(long tlps, out long index, out LinkFaultKind kind, out uint entropy)
    {
        index = 0;
        kind = LinkFaultKind.None;
        entropy = 0;
        if (!Armed || tlps <= 0)
        {
            return false;
        }

        if (_gap >= tlps)
        {
            _gap -= tlps;
            TlpsSeen += tlps;
            return false;
        }

        return Hit(tlps, out index, out kind, out entropy);
    }

    private bool Hit(long tlps, out long index, out LinkFaultKind kind, out uint entropy)
    {
        index = _gap;
        TlpsSeen += tlps;
        kind = _random.NextDouble() * (CorruptionRate + DropRate) < CorruptionRate ? LinkFaultKind.Corruption : LinkFaultKind.Drop;
        entropy = (uint)_random.Next() ^ ((uint)_random.Next() << 1);
        if (kind == LinkFaultKind.Corruption)
        {
            Corruptions++;
        }
        else
        {
            Drops++;
        }

        _gap = DrawGap();
        return true;
    }

    /// <summary>Failures before the next fault, geometric with the combined rate: ⌊ln U / ln(1 − p)⌋.</summary>
    private long DrawGap()
    {
        if (double.IsNegativeInfinity(_logKeep))
        {
            return 0;
        }

        var u = 1.0 - _random.NextDouble(); // (0, 1]
        var gap = Math.Floor(Math.Log(u) / _logKeep);
        return gap >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)gap;
    }
}
