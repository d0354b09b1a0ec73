using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Wire;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>What a codec promises about decode and encode.</summary>
internal enum RoundTrip
{
    /// <summary>
    /// Reserved bits or trailing bytes are ignored on receipt: encode(decode(x)) may differ from x, but decoding that
    /// encoding gives the same value (checked as: its encoding is a fixed point).
    /// </summary>
    Idempotent,

    /// <summary>Every accepted input is the encoding of its value: encode(decode(x)) == x.</summary>
    Exact,

    /// <summary>Like <see cref="Exact"/> for the decoded prefix: the decoder reads a fixed-size structure from a larger buffer.</summary>
    ExactPrefix,
}

/// <summary>
/// One codec under test: a function that decodes bytes and encodes the value again (so one oracle serves every message
/// type), the round-trip promise, and the name the rejection statistics use.
/// </summary>
internal sealed record Codec(string Name, Func<byte[], byte[]> DecodeEncode, RoundTrip RoundTrip = RoundTrip.Idempotent)
{
    public override string ToString() => Name;
}

/// <summary>
/// A valid message of a codec, as its generator produced it. <paramref name="Canonical"/>: the bytes are exactly what
/// the codec's encoder writes for their value (false when the generator adds what the decoder ignores, such as padding).
/// </summary>
internal sealed record CodecSample(Codec Codec, byte[] Bytes, bool Canonical = true)
{
    public override string ToString() => $"{Codec.Name} {FuzzRunner.Hex(Bytes)}";
}

/// <summary>The oracles shared by the stateless codec targets.</summary>
internal static class CodecOracle
{
    /// <summary>
    /// Decodes <paramref name="input"/> with <paramref name="codec"/>: the typed format error is a rejection, anything
    /// else escaping is a failure; an accepted input must round-trip as the codec promises.
    /// </summary>
    public static FuzzOutcome Check(Codec codec, byte[] input)
    {
        byte[] encoded;
        try
        {
            encoded = codec.DecodeEncode(input);
        }
        catch (Exception e) when (IsTypedFormatError(e))
        {
            return FuzzOutcome.Reject(FieldOf(e));
        }

        byte[] again;
        try
        {
            again = codec.DecodeEncode(encoded);
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"{codec.Name}: the encoding of an accepted input does not decode again ({FuzzRunner.Hex(encoded)})", e);
        }

        if (!again.AsSpan().SequenceEqual(encoded))
        {
            throw new FuzzOracleException($"{codec.Name}: decode → encode → decode changed the value: first encoding {FuzzRunner.Hex(encoded)}, second {FuzzRunner.Hex(again)}");
        }

        var exact = codec.RoundTrip switch
        {
            RoundTrip.Exact => encoded.AsSpan().SequenceEqual(input),
            RoundTrip.ExactPrefix => encoded.Length <= input.Length && encoded.AsSpan().SequenceEqual(input.AsSpan(0, encoded.Length)),
            _ => true,
        };
        if (!exact)
        {
            throw new FuzzOracleException($"{codec.Name}: promises exact inverses, but an accepted input re-encodes differently: {FuzzRunner.Hex(encoded)}");
        }

        return FuzzOutcome.Accept;
    }

    /// <summary>The documented parse errors of the model's parsers of peer and user input.</summary>
    public static bool IsTypedFormatError(Exception e) => e is ProtocolFormatException or TlpFormatException or ParameterException;

    /// <summary>The field a typed error names.</summary>
    public static string FieldOf(Exception e) => e switch
    {
        ProtocolFormatException p => p.Field,
        TlpFormatException t => "TLP." + t.Field,
        ParameterException p => "key " + p.Key,
        _ => e.GetType().Name,
    };

    /// <summary>Runs <paramref name="action"/>; the typed format error is a rejection, any other exception escapes.</summary>
    public static bool TryParse(Action action, out string rejectedBy)
    {
        try
        {
            action();
            rejectedBy = string.Empty;
            return true;
        }
        catch (Exception e) when (IsTypedFormatError(e))
        {
            rejectedBy = FieldOf(e);
            return false;
        }
    }
}
