namespace SevTio.Protocols.Spdm;

/// <summary>
/// Lengths of the algorithm-dependent fields once ALGORITHMS has fixed them: H (hash), S (signature) and D (DHE
/// exchange data). For SHA-384, ECDSA P-384 and secp384r1 they are 48, 96 and 96 bytes.
/// </summary>
public readonly record struct SpdmFieldSizes(int HashSize, int SignatureSize, int ExchangeDataSize)
{
    public static SpdmFieldSizes Sha384EcdsaP384Secp384r1 => new(48, 96, 96);
}
