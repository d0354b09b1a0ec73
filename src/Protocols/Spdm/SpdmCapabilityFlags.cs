namespace SevTio.Protocols.Spdm;

/// <summary>
/// CAPABILITIES / GET_CAPABILITIES flags (DSP0274 1.2 Tables 11 and 12). Bit positions are shared by requester and
/// responder; a few bits mean slightly different things on each side (PSK_CAP values, MEAS_CAP only for responders).
/// </summary>
[Flags]
public enum SpdmCapabilityFlags : uint
{
    None = 0,
    CacheCap = 1u << 0,
    CertCap = 1u << 1,
    ChalCap = 1u << 2,

    /// <summary>Responder can return measurements without a signature.</summary>
    MeasCapNoSig = 1u << 3,

    /// <summary>Responder can return signed measurements.</summary>
    MeasCapSig = 1u << 4,
    MeasFreshCap = 1u << 5,
    EncryptCap = 1u << 6,
    MacCap = 1u << 7,
    MutAuthCap = 1u << 8,
    KeyExCap = 1u << 9,
    PskCapResponder = 1u << 10,
    PskCapResponderWithContext = 1u << 11,
    EncapCap = 1u << 12,
    HbeatCap = 1u << 13,
    KeyUpdCap = 1u << 14,
    HandshakeInTheClearCap = 1u << 15,
    PubKeyIdCap = 1u << 16,
    ChunkCap = 1u << 17,
    AliasCertCap = 1u << 18,
    SetCertCap = 1u << 19,
    CsrCap = 1u << 20,
    CertInstallResetCap = 1u << 21,
}
