using SevTio.Hw.Simulation;

namespace SevTio.Hw.Ide;

/// <summary>
/// A Selective IDE stream's configuration, as software writes it to the stream's Control register before setting
/// Enable (§7.9.26.5.2): aggregation per sub-stream, PCRC, traffic class, and the model's own settings (the counter
/// limit that asks for a key refresh, the payload size the transmitter assumes for the next TLP of a unit).
/// </summary>
public sealed record IdeStreamSettings
{
    /// <summary>Transmit aggregation for posted TLPs: 1 (off), 2, 4 or 8 TLPs per MAC.</summary>
    public int PostedAggregation { get; init; } = 1;

    /// <summary>Transmit aggregation for non-posted TLPs.</summary>
    public int NonPostedAggregation { get; init; } = 1;

    /// <summary>Transmit aggregation for completions.</summary>
    public int CompletionAggregation { get; init; } = 1;

    /// <summary>PCRC Enable: a CRC of the plaintext travels (encrypted) with each MAC.</summary>
    public bool PcrcEnabled { get; init; }

    /// <summary>The traffic class the stream carries; IDE Sync and Fail messages use it.</summary>
    public byte TrafficClass { get; init; }

    /// <summary>Whether this port's receiver accepts aggregated units (Capability bit 4).</summary>
    public bool ReceiverSupportsAggregation { get; init; } = true;

    /// <summary>
    /// When a transmit key's invocation counter reaches this value the stream raises
    /// <see cref="IdeStream.KeyRefreshNeeded"/> (platform policy; §6.33 has no wrap rule for the 64-bit counter).
    /// </summary>
    public ulong KeyRefreshCounterLimit { get; init; } = ulong.MaxValue;

    /// <summary>Requester ID used in IDE Sync and Fail messages this port sends.</summary>
    public ushort RequesterId { get; init; }

    /// <summary>Destination of IDE Sync and Fail messages (the stream's RID Base at the partner).</summary>
    public ushort PartnerId { get; init; }

    /// <summary>Whether configuration requests (CfgRd1/CfgWr1) may travel on the stream (Config-Req Enable at a root port).</summary>
    public bool ConfigRequestsEnabled { get; init; }

    /// <summary>Pipelined encryption latency added to each TLP this port transmits (timing only).</summary>
    public SimTime TransmitLatency { get; init; }

    /// <summary>Pipelined verification/decryption latency added to each TLP this port receives (timing only).</summary>
    public SimTime ReceiveLatency { get; init; }

    public int Aggregation(IdeSubstream substream) => substream switch
    {
        IdeSubstream.Posted => PostedAggregation,
        IdeSubstream.NonPosted => NonPostedAggregation,
        _ => CompletionAggregation,
    };

    /// <summary>Throws <see cref="ParameterException"/> for values the Control register cannot hold.</summary>
    public IdeStreamSettings Validate()
    {
        Check(PostedAggregation, "ide.aggregation.posted");
        Check(NonPostedAggregation, "ide.aggregation.nonposted");
        Check(CompletionAggregation, "ide.aggregation.completion");
        if (TrafficClass > 7)
        {
            throw new ParameterException("ide.tc", TrafficClass.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0-7");
        }

        if (KeyRefreshCounterLimit < 2)
        {
            throw new ParameterException("ide.key_refresh_counter", KeyRefreshCounterLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 2");
        }

        return this;

        static void Check(int value, string key)
        {
            if (value is not (1 or 2 or 4 or 8))
            {
                throw new ParameterException(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 1, 2, 4 or 8");
            }
        }
    }

    /// <summary>The Control register's 2-bit aggregation encoding (00b off, 01b up to 2, 10b up to 4, 11b up to 8).</summary>
    public static uint EncodeAggregation(int tlps) => tlps switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 };

    public static int DecodeAggregation(uint field) => field switch { 1 => 2, 2 => 4, 3 => 8, _ => 1 };
}
