namespace SevTio.Hw.Ide;

/// <summary>
/// Why an IDE TLP was rejected or a stream left Secure (§6.33.8 and the reference §1.8). <see cref="IdeErrors.AerBit"/>
/// maps each to the AER Uncorrectable Error Status bit it sets.
/// </summary>
public enum IdeCheckFailure : byte
{
    None = 0,

    /// <summary>The MAC did not verify (tampering, replay, drop or reorder within a sub-stream, wrong key).</summary>
    MacCheckFailed,

    /// <summary>A PR_Received counter would go below zero: an NPR or CPL passed posted TLPs.</summary>
    CounterUnderflow,

    /// <summary>A PR_Received counter would overflow.</summary>
    CounterOverflow,

    /// <summary>Sub-stream 011b-111b on a Non-Flit-Mode IDE TLP.</summary>
    ReservedSubstream,

    /// <summary>The sub-stream does not match the TLP's flow-control class.</summary>
    SubstreamMismatch,

    /// <summary>The K bit changed inside an aggregated unit.</summary>
    KeyToggledMidUnit,

    /// <summary>A MAC-less TLP where aggregation is not supported, more than 8 TLPs in a unit, or more than 1 KiB of payload in a unit.</summary>
    AggregationViolation,

    /// <summary>A TLP type that may not travel on a Selective stream (IO, CfgRd0/CfgWr0, disallowed messages).</summary>
    DisallowedType,

    /// <summary>A TLP used a key set that is not armed at this receiver (never programmed, stopped, or already replaced).</summary>
    KeySetNotArmed,

    /// <summary>The P bit disagrees with the stream's PCRC setting.</summary>
    PcrcBitMismatch,

    /// <summary>The decrypted PCRC did not match the payload (reported, does not force Insecure).</summary>
    PcrcCheckFailed,

    /// <summary>An IDE TLP for a stream this port does not have enabled (reported, does not force Insecure).</summary>
    Misrouted,

    /// <summary>The partner sent an IDE Fail message.</summary>
    FailMessageReceived,

    /// <summary>
    /// A packet with this stream's IDE prefix was malformed (length, trailer bits, Fmt/Type): it cannot be checked, so the
    /// model treats it as an IDE check failure (besides the Malformed TLP error the link layer reports).
    /// </summary>
    MalformedTlp,

    /// <summary>The transmitter's invocation counter is exhausted.</summary>
    CounterExhausted,

    /// <summary>Dropped because the stream is not Secure (after a failure, or before its keys are armed); not logged again.</summary>
    StreamNotSecure,

    /// <summary>Software cleared Enable (keys invalidated, no Fail message).</summary>
    Disabled,
}
