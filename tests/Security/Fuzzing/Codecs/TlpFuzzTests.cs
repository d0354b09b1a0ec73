using CsCheck;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// The TLP codec (every header type, prefixes, IDE prefix, PCRC/MAC/ECRC trailers) and the IDE framing fields (NFM IDE
/// prefix, FM OHC-C, FM trailer size): only <see cref="TlpFormatException"/> may escape, and every accepted packet must
/// parse to a layout that accounts for its bytes and rebuild from its decoded header to a packet that parses the same.
/// </summary>
public sealed class TlpFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void TlpCodecParse_MutatedPackets_OnlyTlpFormatExceptionAndHeadersRoundTrip()
    {
        CheckGeneratorIsValid();
        var stats = FuzzRunner.Run(
            "TLP codec",
            Mutate.Bytes(TlpGen.Packet, TlpCodec.MaxTlpBytes + 64),
            (x, _) => CheckPacket(x.Input),
            output,
            x => $"valid {FuzzRunner.Hex(x.Valid)} mutated to {FuzzRunner.Hex(x.Input)}");
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 8);
    }

    [Fact]
    public void IdeFramingFields_MutatedPrefixOhcCAndTrailerSize_OnlyTlpFormatExceptionAndRoundTrip()
    {
        // One input is IDE prefix ‖ OHC-C ‖ TS byte, so a mutation can shorten, lengthen or shift any of the three.
        var valid = Gen.Select(TlpGen.Prefix, TlpGen.Prefix, Gen.Byte, Gen.Bool, Gen.Bool, (p, o, segment, rsv, mac) =>
        {
            var bytes = new byte[9];
            p.Write(bytes);
            new OhcC(segment, o.PrSentCounter, o.StreamId, o.Substream, rsv, o.KeySet, o.TeeOriginated).Write(bytes.AsSpan(4));
            bytes[8] = IdeTrailer.Encode(mac, mac && p.PcrcPresent);
            return bytes;
        });
        var stats = FuzzRunner.Run(
            "IDE prefix, OHC-C and trailer size",
            Mutate.Bytes(valid),
            (x, _) => CheckIdeFraming(x.Input),
            output,
            x => $"valid {FuzzRunner.Hex(x.Valid)} mutated to {FuzzRunner.Hex(x.Input)}");
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 4);
    }

    private static void CheckGeneratorIsValid()
    {
        var pcg = new PCG(3, 0x600D);
        for (var i = 0; i < 2000; i++)
        {
            var wire = TlpGen.Packet.Generate(pcg, null, out _);
            if (!CheckPacket(wire).Accepted)
            {
                throw new FuzzOracleException($"the TLP generator made an invalid packet: {FuzzRunner.Hex(wire)}");
            }
        }
    }

    private static FuzzOutcome CheckPacket(byte[] wire)
    {
        TlpLayout layout;
        TlpHeader header;
        IdePrefix ide;
        try
        {
            layout = TlpCodec.Parse(wire, out header, out ide);
        }
        catch (TlpFormatException e)
        {
            // A packet the codec refuses must be refused the same way by the pooled TLP object a port loads it into.
            ExpectLoadRefuses(wire, e);
            return FuzzOutcome.Reject(CodecOracle.FieldOf(e));
        }

        CheckLayout(wire, layout, header);

        // The TLP object a port uses parses the same bytes to the same result.
        if (wire.Length <= Tlp.BufferBytes - Tlp.Headroom)
        {
            var tlp = new Tlp();
            tlp.Load(wire);
            Expect(tlp.Layout == layout && tlp.Header == header && tlp.IdePrefix == ide, "Tlp.Load disagrees with TlpCodec.Parse");
            Expect(tlp.Wire.SequenceEqual(wire), "Tlp.Load changed the bytes");
        }

        if (layout.HasIdePrefix)
        {
            var prefix = IdePrefix.Read(wire.AsSpan(layout.IdePrefixOffset, IdePrefix.Size), layout.IdePrefixOffset);
            Expect(prefix == ide, "the IDE prefix Parse returned is not the one at its offset");
        }

        // Decode → encode → decode: the header re-encodes (reserved bits cleared) to one that decodes to the same value,
        // and the packet rebuilt around it parses to the same layout.
        var encoded = new byte[16];
        var headerBytes = TlpCodec.EncodeHeader(header, encoded);
        Expect(headerBytes == layout.HeaderBytes, $"the header re-encodes to {headerBytes} bytes, it was {layout.HeaderBytes}");
        TlpCodec.DecodeHeader(encoded.AsSpan(0, headerBytes), out var again);
        Expect(again == header, $"decode → encode → decode changed the header: {header} became {again}");

        var rebuilt = (byte[])wire.Clone();
        encoded.AsSpan(0, headerBytes).CopyTo(rebuilt.AsSpan(layout.HeaderOffset));
        var rebuiltLayout = TlpCodec.Parse(rebuilt, out var rebuiltHeader, out var rebuiltIde);
        Expect(rebuiltLayout == layout && rebuiltHeader == header && rebuiltIde == ide, "the packet rebuilt from its decoded header parses differently");
        return FuzzOutcome.Accept;
    }

    private static void CheckLayout(byte[] wire, TlpLayout layout, in TlpHeader header)
    {
        Expect(layout.Length == wire.Length, $"layout covers {layout.Length} of {wire.Length} bytes");
        Expect(layout.HeaderOffset == layout.PrefixBytes && layout.HeaderBytes == header.HeaderBytes, "header placement");
        Expect(layout.PayloadOffset == layout.HeaderOffset + layout.HeaderBytes && layout.PayloadBytes == header.PayloadBytes, "payload placement");
        var end = layout.PayloadOffset + layout.PayloadBytes;
        foreach (var (offset, size) in new[] { (layout.PcrcOffset, TlpCodec.PcrcBytes), (layout.MacOffset, TlpCodec.MacBytes), (layout.EcrcOffset, TlpCodec.EcrcBytes) })
        {
            if (offset >= 0)
            {
                Expect(offset == end, "trailers must follow the payload in order PCRC, MAC, ECRC");
                end += size;
            }
        }

        Expect(end == wire.Length, "trailers do not end the packet");
        Expect(!(layout.HasIdePrefix && header.Digest), "an IDE TLP with ECRC was accepted");
    }

    private static void ExpectLoadRefuses(byte[] wire, TlpFormatException codecError)
    {
        if (wire.Length > Tlp.BufferBytes - Tlp.Headroom)
        {
            return;
        }

        try
        {
            new Tlp().Load(wire);
        }
        catch (TlpFormatException e)
        {
            Expect(e.Field == codecError.Field, $"Tlp.Load refuses with {e.Field}, the codec with {codecError.Field}");
            return;
        }

        throw new FuzzOracleException($"Tlp.Load accepted a packet the codec refuses ({codecError.Message})");
    }

    private static FuzzOutcome CheckIdeFraming(byte[] input)
    {
        var rejections = new List<string>();

        // NFM IDE prefix.
        var prefixBytes = input.AsSpan(0, Math.Min(4, input.Length)).ToArray();
        if (CodecOracle.TryParse(() => RoundTripPrefix(prefixBytes), out var prefixError) is false)
        {
            rejections.Add(prefixError);
        }

        // FM OHC-C.
        var ohcBytes = input.Length > 4 ? input.AsSpan(4, Math.Min(4, input.Length - 4)).ToArray() : [];
        if (CodecOracle.TryParse(() => RoundTripOhcC(ohcBytes), out var ohcError) is false)
        {
            rejections.Add(ohcError);
        }

        // FM trailer size: every byte value, as a header would carry TS[2:0] and junk above it.
        if (input.Length > 8)
        {
            var ts = input[8];
            Expect(IdeTrailer.Length((byte)(ts & 7)) is >= 0 and <= 20, "trailer length out of range");
            if (CodecOracle.TryParse(
                () =>
                {
                    var (mac, pcrc) = IdeTrailer.Decode(ts);
                    Expect(IdeTrailer.Encode(mac, pcrc) == ts, $"TS {ts} does not round-trip");
                },
                out var tsError) is false)
            {
                rejections.Add(tsError);
            }
        }

        return rejections.Count == 0 ? FuzzOutcome.Accept : FuzzOutcome.Reject(string.Join(" + ", rejections));
    }

    private static void RoundTripPrefix(byte[] bytes)
    {
        var prefix = IdePrefix.Read(bytes);
        var written = new byte[4];
        prefix.Write(written);
        Expect(IdePrefix.Read(written) == prefix, "IDE prefix write → read changed the value");
        Expect((written[3] & 0x7F) == (bytes[3] & 0x7F) && written.AsSpan(0, 3).SequenceEqual(bytes.AsSpan(0, 3)), "IDE prefix re-encodes other than its non-reserved bits");
        Expect(!(prefix.PcrcPresent && !prefix.MacPresent), "P without M was accepted");
    }

    private static void RoundTripOhcC(byte[] bytes)
    {
        var ohc = OhcC.Read(bytes);
        var written = new byte[4];
        ohc.Write(written);
        Expect(OhcC.Read(written) == ohc, "OHC-C write → read changed the value");
        Expect((written[3] & 0x7B) == (bytes[3] & 0x7B) && written.AsSpan(0, 3).SequenceEqual(bytes.AsSpan(0, 3)), "OHC-C re-encodes other than its non-reserved bits");
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }
}
