using System.Text;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// The SPDM 1.2 signing input (DSP0274 1.2 §15, "Signature generation"): combined_spdm_prefix ‖ message hash, where
/// combined_spdm_prefix is 100 bytes: "dmtf-spdm-v1.2.*" four times (64 bytes), zero padding, then the context string
/// right-aligned at byte 100 (zero_pad = 36 − context length).
/// </summary>
public static class SpdmSigningContext
{
    public const int PrefixSize = 100;

    public const string KeyExchangeResponseContext = "responder-key_exchange_rsp signing";

    public const string MeasurementsContext = "responder-measurements signing";

    public const string FinishContext = "requester-finish signing";

    private const string VersionPrefix12 = "dmtf-spdm-v1.2.*";

    /// <summary>The bytes to hash and sign: the 100-byte prefix followed by the transcript hash.</summary>
    public static byte[] Build(string context, ReadOnlySpan<byte> transcriptHash)
    {
        ArgumentNullException.ThrowIfNull(context);
        var contextBytes = Encoding.ASCII.GetBytes(context);
        if (contextBytes.Length > 36)
        {
            throw new ArgumentException("an SPDM signing context is at most 36 bytes", nameof(context));
        }

        var result = new byte[PrefixSize + transcriptHash.Length];
        var prefix = Encoding.ASCII.GetBytes(VersionPrefix12);
        for (var i = 0; i < 4; i++)
        {
            prefix.CopyTo(result, i * prefix.Length);
        }

        contextBytes.CopyTo(result, PrefixSize - contextBytes.Length);
        transcriptHash.CopyTo(result.AsSpan(PrefixSize));
        return result;
    }
}
