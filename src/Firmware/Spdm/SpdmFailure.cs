namespace SevTio.Firmware.Spdm;

/// <summary>Progress of a requester flow.</summary>
public enum SpdmFlowStatus
{
    InProgress,
    Completed,
    Failed,
}

/// <summary>What made a requester flow (and with it the session) fail. The PSP maps any of these to SPDM_ERROR.</summary>
public enum SpdmFailureReason
{
    /// <summary>The relay returned no response (the device answered nothing).</summary>
    NoResponse,

    /// <summary>A response did not parse (a <c>ProtocolFormatException</c> from its codec).</summary>
    MalformedResponse,

    /// <summary>A well-formed response of the wrong kind, or one whose echoed fields disagree with the request.</summary>
    UnexpectedResponse,

    /// <summary>The responder answered SPDM ERROR (<see cref="SpdmFailure.Detail"/> names the code).</summary>
    ErrorResponse,
    VersionMismatch,
    CapabilityMismatch,
    AlgorithmMismatch,

    /// <summary>The chain fetched with GET_CERTIFICATE does not hash to the DIGESTS value of its slot.</summary>
    CertificateDigestMismatch,

    /// <summary>The chain does not lead to the trusted root (wrong root).</summary>
    CertificateChainUntrusted,

    /// <summary>The chain leads to the root but a link is broken (swapped leaf, bad signature, not a CA, bad algorithm).</summary>
    CertificateChainInvalid,

    /// <summary>A KEY_EXCHANGE_RSP or MEASUREMENTS signature does not verify under the leaf key.</summary>
    SignatureInvalid,

    /// <summary>ResponderVerifyData (the HMAC of KEY_EXCHANGE_RSP) does not match.</summary>
    VerifyDataInvalid,

    /// <summary>A secured response does not authenticate: tampered, replayed, reordered or under other keys.</summary>
    DecryptFailed,

    /// <summary>A secured response names another session.</summary>
    SessionIdMismatch,

    /// <summary>The flow needs an established session and has none (ended or failed).</summary>
    SessionNotEstablished,

    /// <summary>KP_ACK reported a status other than success.</summary>
    KeyProgrammingRejected,

    /// <summary>The device answered TDISP_ERROR.</summary>
    TdispError,
}

/// <summary>A failure with its reason and a readable detail naming what failed.</summary>
public sealed record SpdmFailure(SpdmFailureReason Reason, string Detail)
{
    public override string ToString() => $"{Reason}: {Detail}";
}
