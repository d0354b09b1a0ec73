using System.Security.Cryptography;
using CsCheck;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>
/// The PSP's side of a secured session facing a hostile host or device: <see cref="SpdmSession.TryOpenResponse"/> on
/// damaged records, and the session flows' <c>Accept</c> (IDE_KM, TDISP, END_SESSION, signed MEASUREMENTS) on responses
/// a malicious device seals correctly but fills with damaged messages.
/// </summary>
/// <remarks>
/// Each input runs on a fresh session with random secrets (the device end is <see cref="DeviceSealer"/>, written on
/// <see cref="AesGcm"/>), so inputs are independent and replayable. Oracle: nothing throws; a rejected response fails
/// with a typed <see cref="SpdmFailure"/> whose reason fits what was damaged, leaves the response sequence number where
/// it was and records no result; an accepted record is exactly the one the device sealed; an authentic response that a
/// flow refuses fails the flow, not the session.
/// </remarks>
public sealed class SpdmSessionFuzzTests(ITestOutputHelper output)
{
    private static readonly SpdmFailureReason[] s_recordFailures =
        [SpdmFailureReason.MalformedResponse, SpdmFailureReason.SessionIdMismatch, SpdmFailureReason.DecryptFailed];

    private static readonly Lazy<MeasurementsDevice> s_measurements = new(() => new MeasurementsDevice());

    [Fact]
    public void TryOpenResponse_DamagedRecordsAndPlaintexts_TypedFailureAndNoSequenceAdvance()
    {
        var inputs = Gen.Select(Gen.Bool, FuzzGen.U32, FuzzGen.Bytes(7 * 48), Gen.Int[0, 2], SpdmGen.Message, Gen.Int[0, 3], Gen.Int[0, 16], Gen.Select(Gen.Bool, Gen.ULong))
            .Select((established, id, secrets, warmup, message, doePadding, padding, mutation) =>
                new RecordInput(established, id, secrets, warmup, message.Bytes, doePadding, padding, mutation.Item1, mutation.Item2));
        var stats = FuzzRunner.Run("SPDM session TryOpenResponse", inputs, CheckRecord, output, x => x.ToString());
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 3);
    }

    [Fact]
    public void SessionFlowsAccept_MaliciousDeviceResponses_TypedFailureOfTheFlowOnly()
    {
        var inputs = Gen.Select(
            Gen.Frequency((40, (IGen<FlowKind>)Gen.Const(FlowKind.IdeKm)), (45, Gen.Const(FlowKind.Tdisp)), (7, Gen.Const(FlowKind.EndSession)), (8, Gen.Const(FlowKind.Measurements))),
            FuzzGen.OneOf(DamageLayer.Protocol, DamageLayer.Protocol, DamageLayer.Spdm, DamageLayer.Record),
            FuzzGen.Bytes(7 * 48),
            Gen.ULong,
            (kind, layer, secrets, seed) => new FlowInput(kind, layer, secrets, seed));
        var stats = FuzzRunner.Run("SPDM session flows Accept", inputs, CheckFlow, output, x => x.ToString(), shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 8);
    }

    // ------------------------------------------------------------------------------------------- TryOpenResponse

    private static FuzzOutcome CheckRecord(RecordInput input, FuzzStatistics stats)
    {
        var (session, device) = NewSession(input.SessionId, input.Established, input.Secrets);
        using var sessionScope = session;
        using var deviceScope = device;
        for (var i = 0; i < input.Warmup; i++)
        {
            Expect(session.TryOpenResponse(DoePadded(device.Seal(input.SessionId, [0x12, 0x6C, 0, 0])), out _), "a valid record did not open");
        }

        var pcg = new PCG(11, input.MutationSeed);
        var before = session.ResponseSequenceNumber;
        var message = input.Message.Length > 4096 ? input.Message[..4096] : input.Message;
        bool opened;
        byte[] opening;
        if (!input.Inner)
        {
            var record = device.Seal(input.SessionId, message, input.Padding);
            var payload = new byte[input.DoePadding == 0 ? record.Length : (record.Length + 3) & ~3];
            record.CopyTo(payload, 0);
            var damaged = Mutate.Once(pcg, payload, Gen.Const(payload), payload.Length + 64);
            opened = session.TryOpenResponse(damaged, out opening);
            if (opened)
            {
                // Only bytes outside the record (DOE padding) may have changed.
                var got = SecuredMessageRecord.Decode(damaged, allowDoePadding: true);
                Expect(got.Length == record.Length && damaged.AsSpan(0, record.Length).SequenceEqual(record), "a damaged record opened");
                Expect(opening.AsSpan().SequenceEqual(message), "the opened message is not the sealed one");
            }
        }
        else
        {
            // An authentic record around a damaged plaintext: a malicious device can seal anything.
            var plaintext = new byte[2 + message.Length + input.Padding];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(plaintext, (ushort)message.Length);
            message.CopyTo(plaintext, 2);
            var damaged = Mutate.Once(pcg, plaintext, Gen.Const(plaintext), plaintext.Length + 64);
            opened = session.TryOpenResponse(DoePadded(device.SealPlaintext(input.SessionId, damaged)), out opening);
            var declared = damaged.Length >= 2 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(damaged) : -1;
            var parses = declared >= 0 && declared <= damaged.Length - 2;
            Expect(opened == parses, $"an authentic record whose plaintext {(parses ? "parses" : "does not parse")} was {(opened ? "opened" : "refused")}");
            if (opened)
            {
                Expect(opening.AsSpan().SequenceEqual(damaged.AsSpan(2, declared)), "the opened message is not the plaintext's application data");
            }
        }

        if (opened)
        {
            Expect(session.ResponseSequenceNumber == before + 1 && session.State != SpdmSessionState.Failed, "an opened record did not advance the sequence number exactly once");
            return FuzzOutcome.Accept;
        }

        var failure = session.Failure ?? throw new FuzzOracleException("a refused record left no failure");
        Expect(s_recordFailures.Contains(failure.Reason), $"a refused record failed with {failure.Reason}");
        Expect(session.State == SpdmSessionState.Failed, "a refused record left the session usable");
        Expect(session.ResponseSequenceNumber == before, "a refused record advanced the sequence number");
        Expect(!session.TryOpenResponse(DoePadded(device.Seal(input.SessionId, message)), out _), "a failed session opened a later record");
        return FuzzOutcome.Reject(failure.Reason.ToString());
    }

    // ------------------------------------------------------------------------------------------- flows

    private static FuzzOutcome CheckFlow(FlowInput input, FuzzStatistics stats)
    {
        const uint sessionId = 0x1234_ABCD;
        var (session, device) = NewSession(sessionId, established: true, input.Secrets);
        using var sessionScope = session;
        using var deviceScope = device;
        var pcg = new PCG(13, input.Seed);
        SpdmSessionFlow flow;
        byte[] response;
        Func<byte[], byte[]> wrap;
        Gen<byte[]> donors;
        var allowed = new List<SpdmFailureReason> { SpdmFailureReason.MalformedResponse, SpdmFailureReason.UnexpectedResponse, SpdmFailureReason.ErrorResponse };
        switch (input.Kind)
        {
            case FlowKind.IdeKm:
                (flow, response) = IdeKmCase(session, pcg);
                wrap = m => PciSigVendorDefined.EncodeResponse(PciProtocolId.IdeKm, m);
                donors = IdeKmTdispGen.IdeKmMessages.Select(m => m.Encode());
                allowed.Add(SpdmFailureReason.KeyProgrammingRejected);
                break;

            case FlowKind.Tdisp:
                (flow, response) = TdispCase(session, device, sessionId, pcg);
                wrap = m => PciSigVendorDefined.EncodeResponse(PciProtocolId.Tdisp, m);
                donors = IdeKmTdispGen.TdispMessages.Select(m => m.Encode());
                allowed.Add(SpdmFailureReason.TdispError);
                break;

            case FlowKind.EndSession:
                flow = new SpdmEndSessionRequest(session);
                response = new SpdmEndSessionAck().Encode();
                wrap = m => m;
                donors = SpdmGen.Message.Select(s => s.Bytes);
                break;

            default:
                var device2 = s_measurements.Value;
                flow = new SpdmMeasurementsRequest(device2.Connection, session, MeasurementsDevice.Nonce, SpdmGetMeasurements.OperationAll, rawBitStream: false);
                response = device2.Responses[(int)pcg.Next((uint)device2.Responses.Length)];
                wrap = m => m;
                donors = SpdmGen.Message.Select(s => s.Bytes);
                allowed.Add(SpdmFailureReason.SignatureInvalid);
                break;
        }

        if (!flow.TryGetNextRequest(out _))
        {
            throw new InvalidOperationException($"{input.Kind}: the flow has no request");
        }

        var before = session.ResponseSequenceNumber;
        byte[] payload = input.Layer switch
        {
            DamageLayer.Protocol when input.Kind is FlowKind.IdeKm or FlowKind.Tdisp => DoePadded(device.Seal(sessionId, wrap(Mutate.Once(pcg, response, donors)))),
            DamageLayer.Record => Mutate.Once(pcg, DoePadded(device.Seal(sessionId, wrap(response))), Gen.Const(Array.Empty<byte>())),
            _ => DoePadded(device.Seal(sessionId, Mutate.Once(pcg, wrap(response), SpdmGen.Message.Select(s => s.Bytes)))),
        };

        SpdmFlowStatus status;
        try
        {
            status = flow.Accept(payload);
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"{input.Kind} Accept threw", e);
        }

        var authentic = session.ResponseSequenceNumber == before + 1;
        if (status != SpdmFlowStatus.Failed)
        {
            Expect(authentic, $"{input.Kind} accepted a response without opening a record");
            CheckResults(flow, accepted: true);
            return FuzzOutcome.Accept;
        }

        var failure = flow.Failure ?? throw new FuzzOracleException($"{input.Kind}: a failed flow has no failure");
        if (authentic)
        {
            Expect(allowed.Contains(failure.Reason), $"{input.Kind} failed an authentic response with {failure.Reason} ({failure.Detail})");
            Expect(session.State == SpdmSessionState.Established || (input.Kind == FlowKind.EndSession && session.State == SpdmSessionState.Ended), $"{input.Kind}: a refused authentic response failed the session ({session.State})");
        }
        else
        {
            // An empty payload is the relay's "no answer".
            Expect(s_recordFailures.Contains(failure.Reason) || (failure.Reason == SpdmFailureReason.NoResponse && payload.Length == 0), $"{input.Kind} failed an unopened record with {failure.Reason}");
            Expect(session.ResponseSequenceNumber == before, "a refused record advanced the sequence number");
        }

        CheckResults(flow, accepted: false);
        return FuzzOutcome.Reject(failure.Reason.ToString());
    }

    /// <summary>A refused response records no result; an accepted one records results that agree with themselves.</summary>
    private static void CheckResults(SpdmSessionFlow flow, bool accepted)
    {
        switch (flow)
        {
            case IdeKmRequester ideKm:
                Expect(ideKm.CompletedOperations == (accepted ? 1 : 0), $"IDE_KM completed {ideKm.CompletedOperations} operations");
                break;
            case TdispRequester tdisp when !accepted:
                Expect(tdisp.InterfaceReport is null && tdisp.Versions is null && tdisp.Capabilities is null && tdisp.TdiState is null, "a refused TDISP response recorded a result");
                break;
            case TdispRequester { InterfaceReportBytes: { } bytes } tdisp:
                Expect(TdispDeviceInterfaceReport.Decode(bytes).Encode().AsSpan().SequenceEqual(tdisp.InterfaceReport!.Encode()), "the recorded report is not the parsed report bytes");
                break;
            case SpdmMeasurementsRequest measurements:
                Expect(accepted == (measurements.Response is not null), "MEASUREMENTS results disagree with the flow's status");
                break;
        }
    }

    private static (SpdmSessionFlow Flow, byte[] Response) IdeKmCase(SpdmSession session, PCG pcg)
    {
        var flow = new IdeKmRequester(session);
        var info = IdeKmTdispGen.KeyInfo.Generate(pcg, null, out _) with { SubStream = (IdeKmSubStream)pcg.Next(3) };
        var stream = (byte)pcg.Next(8);
        var port = (byte)(pcg.Next(4) == 0 ? pcg.Next(4) : 0);
        switch (pcg.Next(4))
        {
            case 0:
                flow.Query(port);
                return (flow, new IdeKmQueryResponse(port, 0x08, 0x01, 0, 0, IdeKmTdispGen.IdeCapability.Generate(pcg, null, out _)).Encode());
            case 1:
                flow.KeyProg(stream, info, FuzzGen.Bytes(32).Generate(pcg, null, out _), 1, port);
                var status = pcg.Next(5) == 0 ? (IdeKmKpAckStatus)pcg.Next(5) : IdeKmKpAckStatus.Success;
                return (flow, new IdeKmKpAck(stream, status, info, port).Encode());
            case 2:
                flow.KeySetGo(stream, info, port);
                return (flow, new IdeKmKeySetMessage(IdeKmObjectId.KGoStopAck, stream, info, port).Encode());
            default:
                flow.KeySetStop(stream, info, port);
                return (flow, new IdeKmKeySetMessage(IdeKmObjectId.KGoStopAck, stream, info, port).Encode());
        }
    }

    private static (SpdmSessionFlow Flow, byte[] Response) TdispCase(SpdmSession session, DeviceSealer device, uint sessionId, PCG pcg)
    {
        var id = TdispInterfaceId.Create(0x0100);
        var chunk = (ushort)(pcg.Next(3) == 0 ? 16 + pcg.Next(200) : 1024);
        var flow = new TdispRequester(session, id, chunk);
        switch (pcg.Next(7))
        {
            case 0:
                flow.GetVersion();
                return (flow, new TdispVersionResponse(id, [TdispHeader.Version10]).Encode());
            case 1:
                flow.GetCapabilities();
                return (flow, new TdispCapabilitiesResponse(id, 0, TdispCapabilitiesResponse.RequestBitmap(TdispMessageType.GetTdispVersion, TdispMessageType.LockInterfaceRequest), TdispLockFlags.LockMsix, 52, 1, 1).Encode());
            case 2:
                flow.LockInterface(TdispLockFlags.LockMsix, 1, 0);
                return (flow, new TdispNonceMessage(TdispMessageType.LockInterfaceResponse, id, FuzzGen.Bytes(32).Generate(pcg, null, out _)).Encode());
            case 3:
                flow.GetDeviceInterfaceState();
                return (flow, new TdispDeviceInterfaceStateResponse(id, (TdiState)pcg.Next(4)).Encode());
            case 4:
                flow.StartInterface(new byte[32]);
                return (flow, new TdispHeaderOnlyMessage(TdispMessageType.StartInterfaceResponse, id).Encode());
            case 5:
                flow.StopInterface();
                return (flow, new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceResponse, id).Encode());
            default:
                // The report in portions of the chunk length: earlier portions arrive intact, the last one is the input.
                var report = IdeKmTdispGen.Reports.Generate(pcg, null, out _).Encode();
                flow.GetDeviceInterfaceReport();
                var offset = 0;
                while (report.Length - offset > chunk)
                {
                    flow.TryGetNextRequest(out _);
                    flow.Accept(DoePadded(device.Seal(sessionId, PciSigVendorDefined.EncodeResponse(PciProtocolId.Tdisp, new TdispDeviceInterfaceReportResponse(id, report.AsSpan(offset, chunk).ToArray(), (ushort)(report.Length - offset - chunk)).Encode()))));
                    offset += chunk;
                }

                return (flow, new TdispDeviceInterfaceReportResponse(id, report[offset..], 0).Encode());
        }
    }

    /// <summary>A record as a DOE object's payload carries it: padded with zeros to the DW boundary.</summary>
    private static byte[] DoePadded(byte[] record)
    {
        var padded = new byte[(record.Length + 3) & ~3];
        record.CopyTo(padded, 0);
        return padded;
    }

    private static (SpdmSession Session, DeviceSealer Device) NewSession(uint sessionId, bool established, byte[] secrets)
    {
        var handshake = new SpdmHandshakeSecrets(secrets[..48], secrets[48..96], secrets[96..144]);
        var session = new SpdmSession(sessionId, handshake);
        var responseSecret = handshake.ResponseHandshakeSecret;
        if (established)
        {
            var application = new SpdmApplicationSecrets(secrets[144..192], secrets[192..240], secrets[240..288], secrets[288..336]);
            session.Establish(application);
            responseSecret = application.ResponseDataSecret;
        }

        return (session, new DeviceSealer(responseSecret));
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }

    internal enum FlowKind
    {
        IdeKm,
        Tdisp,
        EndSession,
        Measurements,
    }

    internal enum DamageLayer
    {
        /// <summary>The IDE_KM or TDISP message inside the vendor envelope.</summary>
        Protocol,

        /// <summary>The SPDM message (envelope included), sealed correctly afterwards.</summary>
        Spdm,

        /// <summary>The sealed record.</summary>
        Record,
    }

    internal sealed record RecordInput(bool Established, uint SessionId, byte[] Secrets, int Warmup, byte[] Message, int DoePadding, int Padding, bool Inner, ulong MutationSeed)
    {
        public override string ToString() =>
            $"{(Established ? "established" : "handshake")} session {SessionId:X8}, {Warmup} records before, message {FuzzRunner.Hex(Message)}, padding {Padding}, DOE padding {DoePadding}, {(Inner ? "plaintext" : "record")} damaged with seed {MutationSeed:X16}";
    }

    internal sealed record FlowInput(FlowKind Kind, DamageLayer Layer, byte[] Secrets, ulong Seed)
    {
        public override string ToString() => $"{Kind} flow, {Layer} damaged, seed {Seed:X16}";
    }

    /// <summary>
    /// A real connection (for the VCA transcript and the leaf key the MEASUREMENTS signature is checked with) and a pool
    /// of MEASUREMENTS responses the device signed for the flow's fixed request, so the fuzz loop signs nothing.
    /// </summary>
    private sealed class MeasurementsDevice
    {
        public static readonly byte[] Nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        public MeasurementsDevice()
        {
            var fixture = DsmFixture.Secured(TdiState.ConfigUnlocked, seed: 77);
            Connection = fixture.Requester!;
            var request = new SpdmGetMeasurements(SpdmMeasurementRequestAttributes.GenerateSignature, SpdmGetMeasurements.OperationAll, Nonce, 0).Encode();
            var pcg = new PCG(17, 17);
            var blocks = Gen.Select(Gen.Byte[1, 8], FuzzGen.U8, FuzzGen.Bytes(0, 64), (i, t, v) => new SpdmMeasurementBlock(i, t, v)).Array[0, 4];
            Responses = Enumerable.Range(0, 24).Select(i =>
            {
                var unsigned = new SpdmMeasurements(0, 0, blocks.Generate(pcg, null, out _), FuzzGen.Bytes(32).Generate(pcg, null, out _), FuzzGen.Bytes(0, 8).Generate(pcg, null, out _), null).Encode();
                var l1 = (byte[])[.. Connection.Vca, .. request, .. unsigned];
                return (byte[])[.. unsigned, .. SpdmSignature.Sign(DsmFixture.Identity.LeafKey, SpdmSigningContext.MeasurementsContext, SHA384.HashData(l1))];
            }).ToArray();
        }

        public SpdmRequester Connection { get; }

        public byte[][] Responses { get; }
    }
}
