using System.Security.Cryptography;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// P-384 keys for signing and for ECDHE (secp384r1). Private scalars come from the caller's seeded
/// <see cref="Random"/>, so key pairs (and DHE secrets) repeat run to run; the platform derives the public point.
/// </summary>
internal static class SpdmEcKeys
{
    public const int CoordinateSize = 48;

    public const int ExchangeDataSize = 2 * CoordinateSize;

    public static ECDsa CreateSigningKey(Random random) => ECDsa.Create(Parameters(random));

    public static ECDiffieHellman CreateExchangeKey(Random random) => ECDiffieHellman.Create(Parameters(random));

    /// <summary>ExchangeData for secp384r1: X ‖ Y, big-endian, 48 bytes each (DSP0274 1.2 Table 63).</summary>
    public static byte[] ExchangeData(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        return [.. q.X!, .. q.Y!];
    }

    /// <summary>Imports a peer's ExchangeData; false when it is not a point on the curve.</summary>
    public static bool TryImportPeer(ReadOnlySpan<byte> exchangeData, out ECDiffieHellman? peer)
    {
        peer = null;
        if (exchangeData.Length != ExchangeDataSize)
        {
            return false;
        }

        try
        {
            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP384,
                Q = new ECPoint
                {
                    X = exchangeData[..CoordinateSize].ToArray(),
                    Y = exchangeData[CoordinateSize..].ToArray(),
                },
            };
            peer = ECDiffieHellman.Create(parameters);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The DHE secret: the x-coordinate of the shared point (48 bytes).</summary>
    public static byte[] SharedSecret(ECDiffieHellman own, ECDiffieHellman peer) =>
        own.DeriveRawSecretAgreement(peer.PublicKey);

    private static ECParameters Parameters(Random random)
    {
        // Clearing the top bit keeps the scalar below the group order n (n > 2^383); a zero scalar is avoided.
        var d = new byte[CoordinateSize];
        random.NextBytes(d);
        d[0] &= 0x7F;
        d[^1] |= 1;
        return new ECParameters { Curve = ECCurve.NamedCurves.nistP384, D = d };
    }
}
