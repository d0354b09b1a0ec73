namespace SevTio.Hw.Pcie;

/// <summary>
/// The bytes Selective IDE adds on the wire (PCIe §6.33.5; reference §6.2): per TLP a 1-DW IDE prefix (NFM) or
/// OHC-C (FM); per MAC unit a 3-DW MAC and, with PCRC, a 1-DW PCRC. A unit aggregates up to
/// <see cref="Aggregation"/> TLPs (1, 2, 4 or 8) and at most 1 KiB of payload (§6.33.6).
/// </summary>
public readonly record struct IdeLinkOverhead(bool Enabled, int Aggregation = 1, bool Pcrc = false)
{
    public const int PrefixBytes = 4;
    public const int MacBytes = 12;
    public const int PcrcBytes = 4;

    /// <summary>Most payload one MAC unit may cover: 256 DW.</summary>
    public const int UnitPayloadLimit = 1024;

    public static IdeLinkOverhead None { get; } = new(false);

    /// <summary>Bytes of MAC and PCRC carried by the last TLP of a unit.</summary>
    public int TrailerBytes => Enabled ? MacBytes + (Pcrc ? PcrcBytes : 0) : 0;

    /// <summary>Bytes of prefix (or OHC-C) on every IDE TLP.</summary>
    public int PerTlpBytes => Enabled ? PrefixBytes : 0;

    /// <summary>Throws for aggregation values the control register cannot encode.</summary>
    public IdeLinkOverhead Validate()
    {
        if (Aggregation is not (1 or 2 or 4 or 8))
        {
            throw new Simulation.ParameterException("ide.aggregation", Aggregation.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 1, 2, 4 or 8");
        }

        return this;
    }
}
