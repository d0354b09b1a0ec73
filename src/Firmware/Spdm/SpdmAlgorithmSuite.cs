using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// The one algorithm suite this model speaks (CMA-required choices): SHA-384, ECDSA P-384, ECDHE secp384r1,
/// AES-256-GCM, the SPDM key schedule, DMTF measurements hashed with SHA-384, opaque data format 1.
/// </summary>
public static class SpdmAlgorithmSuite
{
    public const SpdmBaseHashAlgorithms Hash = SpdmBaseHashAlgorithms.Sha384;

    public const SpdmBaseAsymAlgorithms Asym = SpdmBaseAsymAlgorithms.EcdsaP384;

    public const SpdmDheGroups Dhe = SpdmDheGroups.Secp384r1;

    public const SpdmAeadCipherSuites Aead = SpdmAeadCipherSuites.Aes256Gcm;

    public const SpdmKeySchedules KeySchedule = SpdmKeySchedules.Spdm;

    public const SpdmMeasurementHashAlgorithms MeasurementHash = SpdmMeasurementHashAlgorithms.Sha384;

    public static SpdmFieldSizes Sizes => SpdmFieldSizes.Sha384EcdsaP384Secp384r1;

    /// <summary>The secured-message (DSP0277) version both ends use: 1.0.</summary>
    public const ushort SecuredMessageVersion = SecuredMessageOpaqueData.Version10;
}
