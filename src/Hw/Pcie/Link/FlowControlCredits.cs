namespace SevTio.Hw.Pcie;

/// <summary>
/// Flow-control credits a receiver advertises (PCIe §2.6.1): header credits (one per TLP, covering the header and any
/// prefixes, OHC, MAC and PCRC) and data credits (16 bytes each) for posted, non-posted and completion traffic.
/// As in InitFC, an advertised value of 0 means infinite (endpoints and root complexes without peer-to-peer
/// advertise infinite completion credits).
/// </summary>
public readonly record struct FlowControlCredits(int PostedHeader, int PostedData, int NonPostedHeader, int NonPostedData, int CompletionHeader, int CompletionData)
{
    /// <summary>Bytes one data credit covers (4 DW).</summary>
    public const int DataCreditBytes = 16;

    /// <summary>Largest header credit count with FC scaling (12-bit counters).</summary>
    public const int MaxHeaderCredits = 2047;

    /// <summary>Largest data credit count with FC scaling (16-bit counters).</summary>
    public const int MaxDataCredits = 32767;

    /// <summary>
    /// Model defaults: a receiver with 128 header and 2048 data credits (32 KiB) per request class and infinite completion
    /// credits, enough to keep a gen 5 x16 link busy across a few hundred nanoseconds of credit round trip.
    /// </summary>
    public static FlowControlCredits Default { get; } = new(128, 2048, 128, 128, 0, 0);

    /// <summary>Infinite everything (a test harness that only wants to measure the wire).</summary>
    public static FlowControlCredits Infinite { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Data credits a payload of <paramref name="payloadBytes"/> consumes.</summary>
    public static int DataCreditsFor(int payloadBytes) => (payloadBytes + DataCreditBytes - 1) / DataCreditBytes;

    public int Header(FlowControlType type) => type switch
    {
        FlowControlType.Posted => PostedHeader,
        FlowControlType.NonPosted => NonPostedHeader,
        _ => CompletionHeader,
    };

    public int Data(FlowControlType type) => type switch
    {
        FlowControlType.Posted => PostedData,
        FlowControlType.NonPosted => NonPostedData,
        _ => CompletionData,
    };

    /// <summary>Throws <see cref="Simulation.ParameterException"/> for counts beyond what scaled FC counters hold.</summary>
    public void Validate(string key = "link.credits")
    {
        Check(PostedHeader, MaxHeaderCredits, "ph");
        Check(NonPostedHeader, MaxHeaderCredits, "nph");
        Check(CompletionHeader, MaxHeaderCredits, "cplh");
        Check(PostedData, MaxDataCredits, "pd");
        Check(NonPostedData, MaxDataCredits, "npd");
        Check(CompletionData, MaxDataCredits, "cpld");

        void Check(int value, int max, string name)
        {
            if (value < 0 || value > max)
            {
                throw new Simulation.ParameterException($"{key}.{name}", value.ToString(System.Globalization.CultureInfo.InvariantCulture), $"must be 0 (infinite) to {max}");
            }
        }
    }

    public override string ToString() =>
        $"PH={Show(PostedHeader)} PD={Show(PostedData)} NPH={Show(NonPostedHeader)} NPD={Show(NonPostedData)} CplH={Show(CompletionHeader)} CplD={Show(CompletionData)}";

    private static string Show(int v) => v == 0 ? "inf" : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
