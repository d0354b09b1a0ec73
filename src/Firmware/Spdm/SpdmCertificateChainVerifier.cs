using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>Why a certificate chain was refused.</summary>
public enum SpdmChainError
{
    None,

    /// <summary>The SPDM chain structure or a certificate does not parse.</summary>
    Malformed,

    /// <summary>RootHash or the first certificate does not lead to the trusted root.</summary>
    UntrustedRoot,

    /// <summary>A certificate is not signed by the one before it (a swapped leaf or intermediate).</summary>
    BadCertificateSignature,

    /// <summary>Issuer/subject names do not chain, or an issuer is not a CA, or the leaf is a CA.</summary>
    BadChainStructure,

    /// <summary>A key or signature algorithm other than ECDSA P-384 with SHA-384.</summary>
    UnsupportedAlgorithm,
}

/// <summary>
/// Verifies an SPDM certificate chain against a trusted root the verifier holds: RootHash must be the hash of that
/// root, every certificate must carry its issuer's subject as issuer name and an ECDSA-with-SHA384 signature that
/// verifies under the issuer's P-384 key, issuers must be CAs and the leaf must not be. Validity dates are not
/// checked: the model has no wall clock (deterministic runs), and the device's certificates carry fixed dates.
/// </summary>
public static class SpdmCertificateChainVerifier
{
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";

    /// <summary>Verifies <paramref name="spdmChain"/>; on success <paramref name="leafKey"/> is the leaf's public key.</summary>
    public static SpdmChainError Verify(ReadOnlySpan<byte> spdmChain, ReadOnlySpan<byte> trustedRoot, out ECDsa? leafKey, out string detail)
    {
        leafKey = null;
        SpdmCertificateChain chain;
        try
        {
            chain = SpdmCertificateChain.Decode(spdmChain, SpdmKeySchedule.HashSize);
        }
        catch (ProtocolFormatException e)
        {
            detail = e.Message;
            return SpdmChainError.Malformed;
        }

        if (!SHA384.HashData(trustedRoot).AsSpan().SequenceEqual(chain.RootHash))
        {
            detail = "RootHash is not the hash of the trusted root certificate";
            return SpdmChainError.UntrustedRoot;
        }

        try
        {
            using var root = X509CertificateLoader.LoadCertificate(trustedRoot);
            var issuer = root;
            var start = chain.Certificates[0].AsSpan().SequenceEqual(trustedRoot) ? 1 : 0;
            if (start == chain.Certificates.Count)
            {
                detail = "the chain holds only the root";
                return SpdmChainError.BadChainStructure;
            }

            var loaded = new List<X509Certificate2>();
            try
            {
                for (var i = start; i < chain.Certificates.Count; i++)
                {
                    var der = chain.Certificates[i];
                    var certificate = X509CertificateLoader.LoadCertificate(der);
                    loaded.Add(certificate);
                    var isLeaf = i == chain.Certificates.Count - 1;
                    var error = CheckIssuedBy(der, certificate, issuer, isLeaf, i, out detail);
                    if (error != SpdmChainError.None)
                    {
                        return error;
                    }

                    issuer = certificate;
                }

                var key = issuer.GetECDsaPublicKey();
                if (key is null || key.KeySize != 384)
                {
                    key?.Dispose();
                    detail = "the leaf key is not ECDSA P-384";
                    return SpdmChainError.UnsupportedAlgorithm;
                }

                leafKey = key;
                detail = string.Empty;
                return SpdmChainError.None;
            }
            finally
            {
                foreach (var c in loaded)
                {
                    c.Dispose();
                }
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            detail = $"certificate does not parse: {e.Message}";
            return SpdmChainError.Malformed;
        }
    }

    private static SpdmChainError CheckIssuedBy(byte[] der, X509Certificate2 certificate, X509Certificate2 issuer, bool isLeaf, int index, out string detail)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            detail = $"certificate {index}: issuer '{certificate.Issuer}' is not '{issuer.Subject}'";
            return SpdmChainError.BadChainStructure;
        }

        if (!IsCa(issuer))
        {
            detail = $"certificate {index}: issuer '{issuer.Subject}' is not a CA";
            return SpdmChainError.BadChainStructure;
        }

        if (isLeaf && IsCa(certificate))
        {
            detail = "the leaf is a CA certificate";
            return SpdmChainError.BadChainStructure;
        }

        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue();
        var algorithm = outer.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var signature = outer.ReadBitString(out _);
        if (oid != EcdsaWithSha384)
        {
            detail = $"certificate {index}: signature algorithm {oid} is not ecdsa-with-SHA384";
            return SpdmChainError.UnsupportedAlgorithm;
        }

        using var issuerKey = issuer.GetECDsaPublicKey();
        if (issuerKey is null || issuerKey.KeySize != 384)
        {
            detail = $"certificate {index}: issuer key is not ECDSA P-384";
            return SpdmChainError.UnsupportedAlgorithm;
        }

        if (!issuerKey.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence))
        {
            detail = $"certificate {index} ('{certificate.Subject}') is not signed by '{issuer.Subject}'";
            return SpdmChainError.BadCertificateSignature;
        }

        detail = string.Empty;
        return SpdmChainError.None;
    }

    private static bool IsCa(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509BasicConstraintsExtension basic)
            {
                return basic.CertificateAuthority;
            }
        }

        return false;
    }
}
