using System.Security.Cryptography;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// The message transcripts of DSP0274 1.2 §"Transcript and transcript hash calculation rules":
/// A (VCA) = GET_VERSION … ALGORITHMS; B = GET_DIGESTS … CERTIFICATE (kept for CHALLENGE, which this model does not
/// use); M = GET_MEASUREMENTS / MEASUREMENTS since the last signed MEASUREMENTS, so L1/L2 = A ‖ M; K = KEY_EXCHANGE ‖
/// KEY_EXCHANGE_RSP; F = FINISH ‖ FINISH_RSP. Session transcripts hash A ‖ Ct ‖ K (‖ F), Ct = hash of the chain.
/// </summary>
internal sealed class SpdmTranscript
{
    private readonly List<byte> _a = [];
    private readonly List<byte> _b = [];

    public int LengthA => _a.Count;

    public void ResetA()
    {
        _a.Clear();
        _b.Clear();
    }

    public void AppendA(ReadOnlySpan<byte> message) => _a.AddRange(message);

    public void AppendB(ReadOnlySpan<byte> message) => _b.AddRange(message);

    public byte[] A => [.. _a];

    public static byte[] Hash(params ReadOnlySpan<byte[]> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
        foreach (var p in parts)
        {
            hash.AppendData(p);
        }

        return hash.GetHashAndReset();
    }
}

/// <summary>The per-session transcript pieces: Ct, K and F (and M for measurements inside the session).</summary>
internal sealed class SpdmSessionTranscript
{
    private readonly List<byte> _k = [];
    private readonly List<byte> _f = [];

    public SpdmSessionTranscript(byte[] vca, byte[] certChainHash)
    {
        Vca = vca;
        CertChainHash = certChainHash;
    }

    public byte[] Vca { get; }

    public byte[] CertChainHash { get; }

    public void AppendK(ReadOnlySpan<byte> message) => _k.AddRange(message);

    public void AppendF(ReadOnlySpan<byte> message) => _f.AddRange(message);

    /// <summary>Hash(A ‖ Ct ‖ K ‖ F) over what has been appended so far.</summary>
    public byte[] Hash() => SpdmTranscript.Hash(Vca, CertChainHash, [.. _k], [.. _f]);

    /// <summary>Hash(A ‖ Ct ‖ K ‖ F ‖ extra): the transcript up to a field not yet appended (a signature or HMAC).</summary>
    public byte[] HashWith(ReadOnlySpan<byte> extra) => SpdmTranscript.Hash(Vca, CertChainHash, [.. _k], [.. _f], extra.ToArray());
}

/// <summary>Message M (measurements) since the last signed MEASUREMENTS; L1 = A ‖ M.</summary>
internal sealed class SpdmMeasurementTranscript
{
    private readonly List<byte> _m = [];

    public void Append(ReadOnlySpan<byte> message) => _m.AddRange(message);

    public void Reset() => _m.Clear();

    /// <summary>L1 = A ‖ M ‖ extra, the bytes a MEASUREMENTS signature covers.</summary>
    public byte[] L1(byte[] vca, ReadOnlySpan<byte> extra) => [.. vca, .. _m, .. extra];
}
