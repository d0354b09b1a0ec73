namespace SevTio.Protocols.Spdm;

/// <summary>BaseHashAlgo / BaseHashSel bits (DSP0274 1.2 Table 15).</summary>
[Flags]
public enum SpdmBaseHashAlgorithms : uint
{
    None = 0,
    Sha256 = 1u << 0,
    Sha384 = 1u << 1,
    Sha512 = 1u << 2,
    Sha3_256 = 1u << 3,
    Sha3_384 = 1u << 4,
    Sha3_512 = 1u << 5,
    Sm3_256 = 1u << 6,
}

/// <summary>BaseAsymAlgo / BaseAsymSel bits (DSP0274 1.2 Table 15); also the ReqBaseAsymAlg structure.</summary>
[Flags]
public enum SpdmBaseAsymAlgorithms : uint
{
    None = 0,
    RsaSsa2048 = 1u << 0,
    RsaPss2048 = 1u << 1,
    RsaSsa3072 = 1u << 2,
    RsaPss3072 = 1u << 3,
    EcdsaP256 = 1u << 4,
    RsaSsa4096 = 1u << 5,
    RsaPss4096 = 1u << 6,
    EcdsaP384 = 1u << 7,
    EcdsaP521 = 1u << 8,
    Sm2P256 = 1u << 9,
    EdDsa25519 = 1u << 10,
    EdDsa448 = 1u << 11,
}

/// <summary>MeasurementHashAlgo bits of ALGORITHMS (DSP0274 1.2 Table 20).</summary>
[Flags]
public enum SpdmMeasurementHashAlgorithms : uint
{
    None = 0,
    RawBitStreamOnly = 1u << 0,
    Sha256 = 1u << 1,
    Sha384 = 1u << 2,
    Sha512 = 1u << 3,
    Sha3_256 = 1u << 4,
    Sha3_384 = 1u << 5,
    Sha3_512 = 1u << 6,
    Sm3_256 = 1u << 7,
}

/// <summary>DHE named groups (AlgType 2).</summary>
[Flags]
public enum SpdmDheGroups : ushort
{
    None = 0,
    Ffdhe2048 = 1 << 0,
    Ffdhe3072 = 1 << 1,
    Ffdhe4096 = 1 << 2,
    Secp256r1 = 1 << 3,
    Secp384r1 = 1 << 4,
    Secp521r1 = 1 << 5,
    Sm2P256 = 1 << 6,
}

/// <summary>AEAD cipher suites (AlgType 3).</summary>
[Flags]
public enum SpdmAeadCipherSuites : ushort
{
    None = 0,
    Aes128Gcm = 1 << 0,
    Aes256Gcm = 1 << 1,
    ChaCha20Poly1305 = 1 << 2,
    Sm4Gcm = 1 << 3,
}

/// <summary>Key schedules (AlgType 5): bit 0 is the SPDM key schedule.</summary>
[Flags]
public enum SpdmKeySchedules : ushort
{
    None = 0,
    Spdm = 1 << 0,
}

/// <summary>AlgType of an algorithm structure in NEGOTIATE_ALGORITHMS / ALGORITHMS (DSP0274 1.2 Table 16).</summary>
public enum SpdmAlgStructType : byte
{
    Dhe = 2,
    Aead = 3,
    ReqBaseAsymAlg = 4,
    KeySchedule = 5,
}

/// <summary>OtherParamsSupport / OtherParamsSelection: opaque data format (bits 3:0).</summary>
[Flags]
public enum SpdmOpaqueDataFormats : byte
{
    None = 0,
    Format0 = 1 << 0,

    /// <summary>The general opaque data table of DSP0274 1.2 §"Opaque data format 1", used by DSP0277 elements.</summary>
    Format1 = 1 << 1,
}

/// <summary>MeasurementSpecification bit for DMTF-format measurement blocks.</summary>
[Flags]
public enum SpdmMeasurementSpecification : byte
{
    None = 0,
    Dmtf = 1 << 0,
}
