using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// A certificate chain in SPDM format (DSP0274 1.2 Table 33): Length u16 (whole structure), Reserved u16,
/// RootHash[H] = hash of the DER root certificate, then DER X.509 certificates from the one the root signed (or the
/// root itself) to the leaf. The certificates are split by their outer DER SEQUENCE lengths.
/// </summary>
public sealed class SpdmCertificateChain
{
    public const string Name = "SPDM.CertChain";

    public const int HeaderSize = 4;

    public SpdmCertificateChain(byte[] rootHash, IReadOnlyList<byte[]> certificates)
    {
        ArgumentNullException.ThrowIfNull(rootHash);
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count == 0)
        {
            throw new ArgumentException("a chain holds at least the leaf certificate", nameof(certificates));
        }

        RootHash = rootHash;
        Certificates = certificates;
        if (EncodedLength > ushort.MaxValue)
        {
            throw new ArgumentException("an SPDM chain is at most 65535 bytes", nameof(certificates));
        }
    }

    public byte[] RootHash { get; }

    /// <summary>DER certificates, root side first, leaf last.</summary>
    public IReadOnlyList<byte[]> Certificates { get; }

    public byte[] Leaf => Certificates[^1];

    public int EncodedLength => HeaderSize + RootHash.Length + Certificates.Sum(c => c.Length);

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        var writer = new WireWriter(bytes);
        writer.WriteUInt16((ushort)bytes.Length);
        writer.WriteUInt16(0);
        writer.WriteBytes(RootHash);
        foreach (var c in Certificates)
        {
            writer.WriteBytes(c);
        }

        return bytes;
    }

    public static SpdmCertificateChain Decode(ReadOnlySpan<byte> chain, int hashSize)
    {
        var reader = new WireReader(chain, Name);
        var length = reader.ReadUInt16("Length");
        if (length != chain.Length)
        {
            reader.Fail("Length", $"says {length} bytes, the chain holds {chain.Length}");
        }

        reader.Skip(2, "Reserved");
        var rootHash = reader.ReadBytes(hashSize, "RootHash").ToArray();
        var certs = new List<byte[]>();
        while (reader.Remaining > 0)
        {
            var derLength = DerElementLength(reader.RemainingBytes, ref reader);
            certs.Add(reader.ReadBytes(derLength, "Certificates").ToArray());
        }

        if (certs.Count == 0)
        {
            reader.Fail("Certificates", "the chain holds no certificate");
        }

        return new SpdmCertificateChain(rootHash, certs);
    }

    /// <summary>
    /// Total length (tag + length octets + contents) of the DER SEQUENCE at the start of <paramref name="der"/>.
    /// Only the definite forms DER allows are accepted.
    /// </summary>
    private static int DerElementLength(ReadOnlySpan<byte> der, ref WireReader reader)
    {
        if (der.Length < 2)
        {
            reader.Fail("Certificates", $"truncated DER header: {der.Length} bytes left");
        }

        if (der[0] != 0x30)
        {
            reader.Fail("Certificates", $"tag 0x{der[0]:X2} is not a DER SEQUENCE (0x30)");
        }

        int contentLength;
        int headerLength;
        if (der[1] < 0x80)
        {
            contentLength = der[1];
            headerLength = 2;
        }
        else
        {
            var octets = der[1] & 0x7F;
            if (octets is 0 or > 3)
            {
                reader.Fail("Certificates", $"DER length form 0x{der[1]:X2} is not a definite length below 2^24");
            }

            if (der.Length < 2 + octets)
            {
                reader.Fail("Certificates", "truncated DER length");
            }

            contentLength = 0;
            for (var i = 0; i < octets; i++)
            {
                contentLength = (contentLength << 8) | der[2 + i];
            }

            headerLength = 2 + octets;
        }

        if (contentLength > der.Length - headerLength)
        {
            reader.Fail("Certificates", $"DER certificate of {headerLength + contentLength} bytes runs past the chain ({der.Length} bytes left)");
        }

        return headerLength + contentLength;
    }
}
