using CsCheck;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>
/// The IDE receive path of a root port (<see cref="IdePort.Receive{TSink}"/> over a keyed Selective stream): a device
/// stream seals a sequence of TLPs (random types, payloads, aggregation, PCRC), then one TLP's bytes are mutated, or the
/// sequence is (a TLP dropped, replayed, or two swapped), and the wire bytes arrive at the root port.
/// </summary>
/// <remarks>
/// Oracle: parsing throws only <see cref="TlpFormatException"/> (a malformed packet is reported to the port, which may
/// make the stream Insecure); receiving throws nothing; and every TLP the receiver releases is authentic and in order —
/// per sub-stream, the released TLPs are a prefix of what the device sent, each with the sent header, T bit and
/// plaintext. A forged, replayed, reordered or malformed TLP never releases data; the stream going Insecure is the
/// specified reaction. Each input gets a fresh pair of streams keyed from the input, so it replays on its own.
/// </remarks>
public sealed class IdeStreamFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void IdePortReceive_MutatedOrReorderedIdeTlps_NeverReleasesForgedData()
    {
        var stats = FuzzRunner.Run(
            "IDE stream receive",
            new IdeInputs(),
            Check,
            output,
            x => x.ToString());
        Assert.True(stats.Counters.GetValueOrDefault("released after mutation") > 0, "no mutated sequence released anything: the local-prefix and cross-sub-stream cases were not reached");
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 6);
    }

    private static FuzzOutcome Check(IdeInput input, FuzzStatistics stats)
    {
        var sent = input.Sent;
        using var port = NewRootPort(sent.Scenario);
        var stream = port.Streams[0];
        var sink = new RecordingSink();
        var reasons = new List<string>();
        foreach (var wire in input.Wires)
        {
            var tlp = new Tlp();
            try
            {
                tlp.Load(wire);
            }
            catch (TlpFormatException e)
            {
                reasons.Add("malformed " + e.Field);
                port.ReportMalformed(wire);
                continue;
            }

            var dropsBefore = sink.Dropped.Count;
            var status = port.Receive(tlp, ref sink);
            if (status == IdeReceiveStatus.NotIde)
            {
                reasons.Add("not IDE");
            }

            for (var d = dropsBefore; d < sink.Dropped.Count; d++)
            {
                reasons.Add(sink.Dropped[d].ToString());
            }
        }

        // Per sub-stream, what was released is what the device sent, from the start, in order.
        var next = new int[3];
        foreach (var released in sink.Released)
        {
            var ss = (int)released.Header.FlowControlType;
            var expected = sent.Tlps.Where(t => (int)t.Header.FlowControlType == ss).Skip(next[ss]).FirstOrDefault()
                ?? throw new FuzzOracleException($"released a {released.Header} beyond everything the device sent on sub-stream {ss}");
            if (released.Header != expected.Header || !released.Plaintext.AsSpan().SequenceEqual(expected.Payload) || released.Tee != expected.Tee)
            {
                throw new FuzzOracleException($"released {released.Header} (T={released.Tee}, {FuzzRunner.Hex(released.Plaintext)}) where the device sent {expected.Header} (T={expected.Tee}, {FuzzRunner.Hex(expected.Payload)}) as TLP {next[ss]} of sub-stream {ss}");
            }

            next[ss]++;
        }

        if (stream.State == IdeStreamState.Insecure)
        {
            stats.Bump("stream went insecure");
        }

        if (sink.Released.Count > 0)
        {
            stats.Bump("released after mutation");
        }

        return reasons.Count == 0 ? FuzzOutcome.Accept : FuzzOutcome.Reject(reasons[0]);
    }

    /// <summary>The root port's IDE function with one Selective stream, keyed like the device's partner and enabled.</summary>
    private static IdePort NewRootPort(IdeScenario scenario)
    {
        var port = new IdePort("rp");
        var control = port.Capability.StreamControl(0);
        var value = ((uint)scenario.StreamId << 24) | (scenario.Pcrc ? 1u << 8 : 0) | (scenario.ConfigRequests ? 1u << 9 : 0);
        control.Write(value);
        for (var ss = 0; ss < 3; ss++)
        {
            Require(port.KeyProgram(scenario.StreamId, (IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0, scenario.Key(ss)));
            Require(port.KeyProgram(scenario.StreamId, (IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0, scenario.Key(3 + ss)));
        }

        for (var ss = 0; ss < 3; ss++)
        {
            Require(port.KeySetGo(scenario.StreamId, (IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0));
            Require(port.KeySetGo(scenario.StreamId, (IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0));
        }

        control.Write(value | 1);
        if (port.Streams[0].State != IdeStreamState.Secure)
        {
            throw new InvalidOperationException("the root port stream did not become Secure");
        }

        return port;
    }

    private static void Require(IdeKeyStatus status)
    {
        if (status != IdeKeyStatus.Success)
        {
            throw new InvalidOperationException($"key programming failed: {status}");
        }
    }

    /// <summary>A device stream's configuration and keys (six: the root port's receive keys, then its transmit keys).</summary>
    internal sealed record IdeScenario(byte StreamId, int PostedAggregation, int NonPostedAggregation, int CompletionAggregation, bool Pcrc, bool ConfigRequests, byte[] Keys)
    {
        public byte[] Key(int index) => Keys.AsSpan(32 * index, 32).ToArray();
    }

    /// <summary>One TLP as the device sent it: its header, plaintext payload, T bit and sealed wire bytes.</summary>
    internal sealed record SentTlp(TlpHeader Header, byte[] Payload, bool Tee, byte[] Wire);

    internal sealed record SentSequence(IdeScenario Scenario, IReadOnlyList<SentTlp> Tlps);

    /// <summary>A sent sequence and what arrived instead, with a word on how it was mutated.</summary>
    internal sealed record IdeInput(SentSequence Sent, byte[][] Wires, string Mutation)
    {
        public override string ToString() =>
            $"stream {Sent.Scenario}, sent [{string.Join("; ", Sent.Tlps.Select(t => $"{t.Header} {FuzzRunner.Hex(t.Wire)}"))}], {Mutation}, arrived [{string.Join("; ", Wires.Select(w => FuzzRunner.Hex(w)))}]";
    }

    /// <summary>Sealed sequences from the device stream, then one mutation.</summary>
    private sealed class IdeInputs : Gen<IdeInput>
    {
        private static readonly Gen<IdeScenario> s_scenario =
            Gen.Select(Gen.Byte, FuzzGen.OneOf(1, 2, 4, 8), FuzzGen.OneOf(1, 2, 4, 8), FuzzGen.OneOf(1, 2, 4, 8), Gen.Bool, Gen.Bool, FuzzGen.Bytes(6 * 32))
            .Select((id, p, n, c, pcrc, cfg, keys) => new IdeScenario(id, p, n, c, pcrc, cfg, keys));

        /// <summary>Headers a Selective stream carries (§6.33.4), with small payloads so units of several TLPs form.</summary>
        private static readonly Gen<TlpHeader> s_header = FuzzGen.Any(TlpGen.MemoryRequest, TlpGen.MemoryRequest, TlpGen.AtomicOp, TlpGen.Completion, TlpGen.Message, TlpGen.ConfigRequest)
            .Where(h => h.PayloadBytes <= 256 && h.Type is not (TlpType.ConfigRead0 or TlpType.ConfigWrite0)
                && !(TlpCodec.IsMessage(h.Type) && h.Routing is not (MessageRouting.ById or MessageRouting.ByAddress or MessageRouting.ToRootComplex))
                && !(TlpCodec.IsMessage(h.Type) && h.MessageCode is MessageCode.IdeSync or MessageCode.IdeFail));

        private static readonly Gen<(TlpHeader Header, byte[] Payload, bool Tee)> s_tlp =
            Gen.Select(s_header, Gen.Bool).SelectMany((h, tee) => FuzzGen.Bytes(h.PayloadBytes).Select(p => (h, p, tee)));

        public override IdeInput Generate(PCG pcg, Size? min, out Size size)
        {
            var scenario = s_scenario.Generate(pcg, null, out _);
            var count = 1 + (int)pcg.Next(6);
            var specs = new List<(TlpHeader Header, byte[] Payload, bool Tee)>();
            for (var i = 0; i < count; i++)
            {
                var spec = s_tlp.Generate(pcg, null, out _);
                if (spec.Header.Type is TlpType.ConfigRead1 or TlpType.ConfigWrite1 && !scenario.ConfigRequests)
                {
                    continue;
                }

                spec.Header.Digest = false;
                specs.Add(spec);
            }

            if (specs.Count == 0)
            {
                // Every TLP drawn was a configuration request the stream does not carry: send one memory write.
                var write = TlpHeader.MemoryWrite(0x0100, 0x1_0000_1000, 64);
                specs.Add((write, FuzzGen.Bytes(write.PayloadBytes).Generate(pcg, null, out _), true));
            }

            var sent = Seal(scenario, specs);
            var wires = sent.Tlps.Select(t => t.Wire).ToList();
            var mutation = Mutate(pcg, wires);
            size = new Size((ulong)wires.Sum(w => w.Length));
            return new IdeInput(sent, [.. wires], mutation);
        }

        /// <summary>Seals the TLPs at a device stream; a TLP joins the unit of the next one on its sub-stream when aggregation allows.</summary>
        private static SentSequence Seal(IdeScenario scenario, List<(TlpHeader Header, byte[] Payload, bool Tee)> specs)
        {
            using var device = new IdeStream(scenario.StreamId, new IdeStreamSettings
            {
                PostedAggregation = scenario.PostedAggregation,
                NonPostedAggregation = scenario.NonPostedAggregation,
                CompletionAggregation = scenario.CompletionAggregation,
                PcrcEnabled = scenario.Pcrc,
                ConfigRequestsEnabled = scenario.ConfigRequests,
            });
            for (var ss = 0; ss < 3; ss++)
            {
                Require(device.ProgramKey((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0, scenario.Key(ss)));
                Require(device.ProgramKey((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0, scenario.Key(3 + ss)));
                Require(device.SetGo((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0));
                Require(device.SetGo((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0));
            }

            device.Enable();
            var sent = new List<SentTlp>();
            for (var i = 0; i < specs.Count; i++)
            {
                var (header, payload, tee) = specs[i];
                var next = -1;
                for (var j = i + 1; j < specs.Count; j++)
                {
                    if (specs[j].Header.FlowControlType == header.FlowControlType)
                    {
                        next = specs[j].Header.PayloadBytes;
                        break;
                    }
                }

                var tlp = new Tlp();
                tlp.Encode(header, payload);
                var status = device.Seal(tlp, next, tee);
                if (status != IdeSealStatus.Sealed)
                {
                    throw new InvalidOperationException($"the device stream refused to seal {header}: {status}");
                }

                // The header as the wire carries it (the parsed form: bits a type does not use are dropped).
                sent.Add(new SentTlp(tlp.Header, payload, tee, tlp.Wire.ToArray()));
            }

            return new SentSequence(scenario, sent);
        }

        private static string Mutate(PCG pcg, List<byte[]> wires)
        {
            var i = (int)pcg.Next((uint)wires.Count);
            switch (pcg.Next(10))
            {
                case < 6:
                    var (_, mutated) = new Mutator<byte[]>(Gen.Const(wires[i]), b => b, TlpCodec.MaxTlpBytes + 64).Generate(pcg, null, out _);
                    var local = pcg.Next(8) == 0 && mutated.Length > 0;
                    if (local)
                    {
                        // A local prefix (not covered by the MAC) put in front: the TLP must still verify, unchanged.
                        mutated = [0x80, (byte)pcg.Next(), (byte)pcg.Next(), (byte)pcg.Next(), .. wires[i]];
                    }

                    wires[i] = mutated;
                    return local ? $"local prefix added to TLP {i}" : $"TLP {i} mutated";
                case 6:
                    wires.RemoveAt(i);
                    return $"TLP {i} dropped";
                case 7:
                    wires.Insert((int)pcg.Next((uint)wires.Count + 1), wires[i]);
                    return $"TLP {i} replayed";
                case 8:
                    var j = (int)pcg.Next((uint)wires.Count);
                    (wires[i], wires[j]) = (wires[j], wires[i]);
                    return $"TLPs {i} and {j} swapped";
                default:
                    wires.Add(wires[i]);
                    return $"TLP {i} replayed at the end";
            }
        }
    }

    /// <summary>Decrypts and records what the receiver releases.</summary>
    private struct RecordingSink() : IIdeReceiveSink
    {
        public List<(TlpHeader Header, byte[] Plaintext, bool Tee)> Released { get; } = [];

        public List<IdeCheckFailure> Dropped { get; } = [];

        public readonly void OnVerified(in IdeVerifiedSegment segment)
        {
            var plaintext = new byte[segment.Tlp.Layout.PayloadBytes];
            segment.Decrypt(plaintext);
            Released.Add((segment.Tlp.Header, plaintext, segment.IsTeeOriginated));
        }

        public readonly void OnDropped(Tlp tlp, IdeCheckFailure reason) => Dropped.Add(reason);
    }
}
