namespace SevTio.Hw.Ide;

/// <summary>AER bits and severities for IDE errors (§7.8.4.2; reference §1.8).</summary>
public static class IdeErrors
{
    /// <summary>AER Uncorrectable Error Status bit 28: IDE Check Failed.</summary>
    public const int IdeCheckFailedBit = 28;

    /// <summary>AER Uncorrectable Error Status bit 29: Misrouted IDE TLP.</summary>
    public const int MisroutedIdeTlpBit = 29;

    /// <summary>AER Uncorrectable Error Status bit 30: PCRC Check Failed.</summary>
    public const int PcrcCheckFailedBit = 30;

    /// <summary>The AER bit a failure sets, or -1 if it is not an error report (Enable cleared, Fail message received).</summary>
    public static int AerBit(IdeCheckFailure failure) => failure switch
    {
        IdeCheckFailure.None or IdeCheckFailure.Disabled or IdeCheckFailure.FailMessageReceived or IdeCheckFailure.StreamNotSecure => -1,
        IdeCheckFailure.Misrouted => MisroutedIdeTlpBit,
        IdeCheckFailure.PcrcCheckFailed => PcrcCheckFailedBit,
        _ => IdeCheckFailedBit,
    };

    /// <summary>Misrouted TLPs and PCRC failures are reported but leave the stream Secure; everything else forces Insecure.</summary>
    public static bool ForcesInsecure(IdeCheckFailure failure) =>
        failure is not (IdeCheckFailure.None or IdeCheckFailure.Misrouted or IdeCheckFailure.PcrcCheckFailed or IdeCheckFailure.StreamNotSecure);
}
