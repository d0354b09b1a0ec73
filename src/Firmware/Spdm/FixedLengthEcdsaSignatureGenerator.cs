using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// Signs certificates with ECDSA P-384 / SHA-384 and retries until the DER signature has its longest form (r and s
/// each 49 octets, 104 bytes in all). ECDSA signatures are randomized; fixing their length makes every certificate,
/// and so the chain and the number of CERTIFICATE round trips, the same size on every run.
/// </summary>
internal sealed class FixedLengthEcdsaSignatureGenerator : X509SignatureGenerator
{
    public const int DerSignatureLength = 104;

    private const int MaxAttempts = 256;

    private readonly ECDsa _key;
    private readonly X509SignatureGenerator _inner;

    public FixedLengthEcdsaSignatureGenerator(ECDsa key)
    {
        _key = key;
        _inner = CreateForECDsa(key);
    }

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
        _inner.GetSignatureAlgorithmIdentifier(hashAlgorithm);

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            var signature = _key.SignData(data, hashAlgorithm, DSASignatureFormat.Rfc3279DerSequence);
            if (signature.Length == DerSignatureLength)
            {
                return signature;
            }
        }

        throw new CryptographicException("no full-length ECDSA signature in 256 attempts");
    }

    protected override PublicKey BuildPublicKey() => _inner.PublicKey;
}
