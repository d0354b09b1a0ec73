using System.Security.Cryptography;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// SPDM 1.2 signatures with ECDSA P-384 over SHA-384: the signer hashes combined_spdm_prefix ‖ Hash(transcript) and
/// the signature is r ‖ s, 48 bytes each, big-endian (IEEE P1363 form). ECDSA is randomized; only the length (96) is
/// fixed, so nothing simulated may depend on the signature's value.
/// </summary>
internal static class SpdmSignature
{
    public const int Size = 96;

    public static byte[] Sign(ECDsa key, string context, ReadOnlySpan<byte> transcriptHash) =>
        key.SignData(SpdmSigningContext.Build(context, transcriptHash), HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public static bool Verify(ECDsa key, string context, ReadOnlySpan<byte> transcriptHash, ReadOnlySpan<byte> signature) =>
        signature.Length == Size
        && key.VerifyData(SpdmSigningContext.Build(context, transcriptHash), signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
