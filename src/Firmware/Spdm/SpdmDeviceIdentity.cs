using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// The device's SPDM identity, built when the device is created: a root CA, an intermediate CA and the device leaf
/// (X.509 v3 from <see cref="CertificateRequest"/>, ECDSA P-384 with SHA-384), the chain in SPDM format (slot 0) and the
/// leaf's private key. Keys, serial numbers and validity dates come from the seeded <see cref="Random"/>; certificate
/// signatures are randomized by ECDSA but always of the same length, so the chain's size never varies.
/// </summary>
public sealed class SpdmDeviceIdentity
{
    // Fixed validity: nothing in the model reads the wall clock.
    private static readonly DateTimeOffset s_notBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_notAfter = new(2055, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>id-DMTF-eku-responder-auth, 1.3.6.1.4.1.412.274.3 (DSP0274 1.2 §"Certificate requirements").</summary>
    private const string ResponderAuthEku = "1.3.6.1.4.1.412.274.3";

    public SpdmDeviceIdentity(byte[] rootCertificate, byte[] certificateChain, ECDsa leafKey)
    {
        ArgumentNullException.ThrowIfNull(rootCertificate);
        ArgumentNullException.ThrowIfNull(certificateChain);
        ArgumentNullException.ThrowIfNull(leafKey);
        RootCertificate = rootCertificate;
        CertificateChain = certificateChain;
        LeafKey = leafKey;
        CertificateChainDigest = SHA384.HashData(certificateChain);
    }

    /// <summary>DER of the root CA: what a verifier (the PSP) is given as its trust anchor.</summary>
    public byte[] RootCertificate { get; }

    /// <summary>The chain in SPDM format: Length, Reserved, RootHash, DER certificates root-side first.</summary>
    public byte[] CertificateChain { get; }

    /// <summary>SHA-384 of <see cref="CertificateChain"/>: the slot-0 digest and Ct of the session transcripts.</summary>
    public byte[] CertificateChainDigest { get; }

    /// <summary>The key that signs KEY_EXCHANGE_RSP and MEASUREMENTS.</summary>
    internal ECDsa LeafKey { get; }

    public static SpdmDeviceIdentity Create(Random random, string deviceName = "SevTio TDISP device")
    {
        ArgumentNullException.ThrowIfNull(random);
        var rootKey = SpdmEcKeys.CreateSigningKey(random);
        var intermediateKey = SpdmEcKeys.CreateSigningKey(random);
        var leafKey = SpdmEcKeys.CreateSigningKey(random);

        var rootName = new X500DistinguishedName("CN=SevTio Device Root CA, O=SevTio");
        var intermediateName = new X500DistinguishedName("CN=SevTio Device Intermediate CA, O=SevTio");
        var leafName = new X500DistinguishedName($"CN={deviceName}, O=SevTio");

        var root = Issue(rootName, rootKey, rootName, rootKey, isCa: true, random);
        var intermediate = Issue(intermediateName, intermediateKey, rootName, rootKey, isCa: true, random);
        var leaf = Issue(leafName, leafKey, intermediateName, intermediateKey, isCa: false, random);

        var chain = new SpdmCertificateChain(SHA384.HashData(root), [root, intermediate, leaf]).Encode();
        return new SpdmDeviceIdentity(root, chain, leafKey);
    }

    private static byte[] Issue(
        X500DistinguishedName subject,
        ECDsa subjectKey,
        X500DistinguishedName issuer,
        ECDsa issuerKey,
        bool isCa,
        Random random)
    {
        var request = new CertificateRequest(subject, subjectKey, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            isCa ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature,
            critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        if (!isCa)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ResponderAuthEku)], critical: false));
        }

        // A positive 16-byte serial with a non-zero top byte: fixed DER length.
        var serial = new byte[16];
        random.NextBytes(serial);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);

        using var certificate = request.Create(issuer, new FixedLengthEcdsaSignatureGenerator(issuerKey), s_notBefore, s_notAfter, serial);
        return certificate.RawData;
    }
}
