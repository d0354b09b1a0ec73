using System.Security.Cryptography;
using CsCheck;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>
/// The PSP's SPDM requester (<see cref="SpdmRequester.Accept"/>: VERSION, CAPABILITIES, ALGORITHMS, DIGESTS,
/// CERTIFICATE, KEY_EXCHANGE_RSP, FINISH_RSP) facing a hostile device or host: each input replays a recorded good
/// connection up to one response, damages that response, and hands it in. A malicious device controls DIGESTS as well
/// as the chain, so one mode damages the certificate chain and sends DIGESTS that match it: the chain verifier then
/// parses whatever X.509 it gets.
/// </summary>
/// <remarks>
/// Oracle: nothing throws; a refused response fails the connection with a typed <see cref="SpdmFailure"/>, records no
/// chain, leaf key or session, and a FINISH_RSP failure fails the session; KEY_EXCHANGE_RSP and FINISH_RSP, being
/// signed or sealed, are accepted only as sent; a chain is accepted only if its leaf key is the device's.
/// </remarks>
public sealed class SpdmRequesterFuzzTests(ITestOutputHelper output)
{
    private const ushort ChunkLength = 512;
    private const int RequesterSeed = 31;

    private static readonly Lazy<Recording> s_recording = new(() => new Recording());

    [Fact]
    public void SpdmRequesterAccept_DamagedConnectionResponsesAndChains_TypedFailureAndNoResults()
    {
        var recording = s_recording.Value;
        var responses = Gen.Select(
            Gen.Frequency(
                (14, (IGen<int>)Gen.Const(recording.IndexOf(SpdmRequesterPhase.GetVersion))),
                (14, Gen.Const(recording.IndexOf(SpdmRequesterPhase.GetCapabilities))),
                (14, Gen.Const(recording.IndexOf(SpdmRequesterPhase.NegotiateAlgorithms))),
                (12, Gen.Const(recording.IndexOf(SpdmRequesterPhase.GetDigests))),
                (16, Gen.Int[recording.IndexOf(SpdmRequesterPhase.GetCertificate), recording.IndexOf(SpdmRequesterPhase.KeyExchange) - 1])),
            Gen.ULong,
            (exchange, seed) => new RequesterInput(exchange, RequesterDamage.Response, seed));

        // A damaged chain is verified in full (X.509 parsing, ECDSA): about a millisecond each, so one input in twenty.
        var chains = Gen.ULong.Select(seed => new RequesterInput(recording.IndexOf(SpdmRequesterPhase.GetDigests), RequesterDamage.Chain, seed));
        var stats = FuzzRunner.Run(
            "SPDM requester connection Accept",
            Gen.Frequency((19, (IGen<RequesterInput>)responses), (1, chains)),
            Check,
            output,
            x => x.ToString(),
            shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 8);
    }

    /// <summary>
    /// KEY_EXCHANGE_RSP and FINISH_RSP: reaching them replays chain verification, an ECDH key generation and a signature
    /// check (15-30 ms an input on the CI machine), so CI runs a few hundred; the codecs of both messages get their
    /// 100 000 inputs in <c>SpdmFuzzTests</c>. <c>SEVTIO_FUZZ_ITERATIONS</c> scales this count like every other.
    /// </summary>
    [Fact]
    public void SpdmRequesterAccept_DamagedKeyExchangeAndFinishResponses_TypedFailureAndOnlyAuthenticAccepted()
    {
        var recording = s_recording.Value;
        var inputs = Gen.Select(
            FuzzGen.OneOf(recording.IndexOf(SpdmRequesterPhase.KeyExchange), recording.IndexOf(SpdmRequesterPhase.Finish)),
            FuzzGen.OneOf(RequesterDamage.Response, RequesterDamage.Inner),
            Gen.ULong,
            (exchange, damage, seed) => new RequesterInput(exchange, damage, seed));
        var stats = FuzzRunner.Run("SPDM requester KEY_EXCHANGE_RSP and FINISH_RSP Accept", inputs, Check, output, x => x.ToString(), ciIterations: 300, shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 4);
    }

    private static FuzzOutcome Check(RequesterInput input, FuzzStatistics stats)
    {
        var recording = s_recording.Value;
        using var requester = recording.NewRequester();
        var pcg = new PCG(19, input.Seed);
        recording.Replay(requester, input.Exchange);
        var phase = requester.Phase;
        if (input.Damage == RequesterDamage.Chain)
        {
            return CheckChain(requester, recording, pcg, stats);
        }

        var original = recording.Responses[input.Exchange];
        byte[] response;
        if (input.Damage == RequesterDamage.Inner && phase == SpdmRequesterPhase.Finish)
        {
            // A malicious device seals a damaged FINISH_RSP under the right handshake key.
            using var device = new DeviceSealer(requester.Session!.HandshakeSecrets.ResponseHandshakeSecret);
            var record = device.Seal(requester.Session.SessionId, Mutate.Once(pcg, recording.FinishResponse, SpdmGen.Message.Select(s => s.Bytes)));
            response = new byte[(record.Length + 3) & ~3];
            record.CopyTo(response, 0);
        }
        else
        {
            response = Mutate.Once(pcg, original, SpdmGen.PaddedMessage.Select(s => s.Bytes), original.Length + 64);
        }

        requester.TryGetNextRequest(out _);
        var status = Accept(requester, response);
        if (status == SpdmFlowStatus.Failed)
        {
            ExpectCleanFailure(requester, phase);
            return FuzzOutcome.Reject(requester.Failure!.Reason.ToString());
        }

        // Signed and sealed responses are accepted only as the device sent them (DOE padding aside).
        if (phase == SpdmRequesterPhase.KeyExchange && input.Damage == RequesterDamage.Response)
        {
            var length = SpdmKeyExchangeResponseLength(original);
            Expect(response.Length >= length && response.AsSpan(0, length).SequenceEqual(original.AsSpan(0, length)), "a damaged KEY_EXCHANGE_RSP was accepted");
        }

        if (phase == SpdmRequesterPhase.Finish)
        {
            Expect(requester.Phase == SpdmRequesterPhase.Established && requester.Session!.State == SpdmSessionState.Established, "FINISH_RSP accepted but the session is not established");
        }

        stats.Bump($"accepted in {phase}");
        return FuzzOutcome.Accept;
    }

    /// <summary>A damaged chain delivered with DIGESTS that match it, in CERTIFICATE portions; the verifier sees everything.</summary>
    private static FuzzOutcome CheckChain(SpdmRequester requester, Recording recording, PCG pcg, FuzzStatistics stats)
    {
        var chain = Mutate.Once(pcg, recording.Chain, Gen.Const(recording.Chain), recording.Chain.Length + 256);
        requester.TryGetNextRequest(out _);
        var status = Accept(requester, Padded(new SpdmDigests(0x01, [SHA384.HashData(chain)]).Encode()));
        var offset = 0;
        while (status == SpdmFlowStatus.InProgress && requester.Phase == SpdmRequesterPhase.GetCertificate)
        {
            var portion = Math.Min(ChunkLength, chain.Length - offset);
            requester.TryGetNextRequest(out _);
            status = Accept(requester, Padded(new SpdmCertificate(0, chain.AsSpan(offset, portion).ToArray(), (ushort)Math.Min(ushort.MaxValue, chain.Length - offset - portion)).Encode()));
            offset += portion;
        }

        if (status == SpdmFlowStatus.Failed)
        {
            ExpectCleanFailure(requester, SpdmRequesterPhase.GetCertificate);
            return FuzzOutcome.Reject("chain: " + requester.Failure!.Reason);
        }

        // Accepted: the chain must lead to the device's own leaf key (a forged chain never substitutes another key).
        Expect(requester.Phase == SpdmRequesterPhase.KeyExchange, $"the chain ended in phase {requester.Phase}");
        Expect(requester.LeafKey!.ExportParameters(false).Q.X!.AsSpan().SequenceEqual(DsmFixture.Identity.LeafKey.ExportParameters(false).Q.X), "a damaged chain was accepted with another leaf key");
        stats.Bump("damaged chains accepted with the device's leaf");
        return FuzzOutcome.Accept;
    }

    private static SpdmFlowStatus Accept(SpdmRequester requester, byte[] response)
    {
        try
        {
            return requester.Accept(response);
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"Accept threw in phase {requester.Phase}", e);
        }
    }

    private static void ExpectCleanFailure(SpdmRequester requester, SpdmRequesterPhase phase)
    {
        Expect(requester.Failure is not null && requester.Phase == SpdmRequesterPhase.Failed, "a failed connection has no failure");
        Expect(requester.CertificateChain is null || phase > SpdmRequesterPhase.GetCertificate, "a refused response recorded a certificate chain");
        Expect(requester.LeafKey is null || phase > SpdmRequesterPhase.GetCertificate, "a refused response recorded a leaf key");
        Expect(requester.Session is null || phase == SpdmRequesterPhase.Finish, "a refused response created a session");
        if (phase == SpdmRequesterPhase.Finish)
        {
            Expect(requester.Session!.State == SpdmSessionState.Failed, "a refused FINISH_RSP left the session usable");
        }
    }

    private static int SpdmKeyExchangeResponseLength(byte[] padded)
    {
        SpdmMessage.DecodePadded(padded, SpdmKeyExchangeResponse.Name, (ref SevTio.Protocols.Wire.WireReader r) =>
            SpdmKeyExchangeResponse.Read(ref r, SpdmAlgorithmSuite.Sizes, measurementSummaryHashPresent: false, responderVerifyDataPresent: true), out var length);
        return length;
    }

    private static byte[] Padded(byte[] message)
    {
        var padded = new byte[(message.Length + 3) & ~3];
        message.CopyTo(padded, 0);
        return padded;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }

    internal enum RequesterDamage
    {
        /// <summary>The response bytes as they arrive (for FINISH_RSP: the sealed record).</summary>
        Response,

        /// <summary>For FINISH_RSP: the message inside a record the device seals correctly; otherwise like Response.</summary>
        Inner,

        /// <summary>The certificate chain, with DIGESTS made to match it.</summary>
        Chain,
    }

    internal sealed record RequesterInput(int Exchange, RequesterDamage Damage, ulong Seed)
    {
        public override string ToString() => $"response {Exchange} ({s_recording.Value.Phases[Exchange]}), {Damage} damaged with seed {Seed:X16}";
    }

    /// <summary>
    /// One good connection between a fresh DSM and a requester with a fixed seed, response by response. A requester
    /// with the same seed sends the same requests (its ephemeral key and random data come from the seed), so the
    /// recorded responses replay it to any phase.
    /// </summary>
    private sealed class Recording
    {
        public Recording()
        {
            using var fixture = DsmFixture.Plain(SpdmRequesterPhase.GetVersion, seed: 41);
            using var requester = NewRequester();
            while (requester.TryGetNextRequest(out var request))
            {
                Phases.Add(requester.Phase);
                var response = fixture.Relay(request);
                Responses.Add(response);
                if (requester.Phase == SpdmRequesterPhase.Finish)
                {
                    requester.Session!.TryOpenResponse(response, out var finish);
                    FinishResponse = finish;
                    requester.Session.Dispose();
                    break;
                }

                requester.Accept(response);
            }

            Chain = DsmFixture.Identity.CertificateChain;
        }

        public List<SpdmRequesterPhase> Phases { get; } = [];

        public List<byte[]> Responses { get; } = [];

        /// <summary>The FINISH_RSP message inside the recorded record.</summary>
        public byte[] FinishResponse { get; } = [];

        public byte[] Chain { get; }

        public int IndexOf(SpdmRequesterPhase phase) => Phases.IndexOf(phase);

        public SpdmRequester NewRequester() => new(new SpdmRequesterOptions
        {
            TrustedRootCertificate = DsmFixture.Identity.RootCertificate,
            Random = new Random(RequesterSeed),
            CertificateChunkLength = ChunkLength,
        });

        public void Replay(SpdmRequester requester, int count)
        {
            for (var i = 0; i < count; i++)
            {
                requester.TryGetNextRequest(out _);
                if (requester.Accept(Responses[i]) == SpdmFlowStatus.Failed)
                {
                    throw new InvalidOperationException($"the recording does not replay: {requester.Failure}");
                }
            }
        }
    }
}
