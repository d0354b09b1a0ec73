using CsCheck;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Wire;
using SevTio.Security.Tests.Fuzzing.Harness;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>Where in the stack a DSM fuzz input is mutated.</summary>
internal enum DsmLayer
{
    /// <summary>The whole DOE object (discovery, plain SPDM, or a sealed secured record), mutated after sealing.</summary>
    DoeObject,

    /// <summary>A plain SPDM request (DOE type 1), mutated, then framed.</summary>
    PlainSpdm,

    /// <summary>An SPDM request inside the session, mutated, then sealed.</summary>
    SecuredSpdm,

    /// <summary>An IDE_KM object, mutated, then wrapped in VENDOR_DEFINED_REQUEST and sealed.</summary>
    IdeKm,

    /// <summary>A TDISP request, mutated, then wrapped and sealed.</summary>
    Tdisp,

    /// <summary>The FINISH of a session in handshake, mutated, then sealed under the handshake key.</summary>
    Finish,
}

/// <summary>One DSM fuzz input: the layer, the fixture it runs against, the valid message, and the seed of its mutation.</summary>
internal sealed record DsmInput(DsmLayer Layer, int Fixture, int Kind, byte[] Message, ulong MutationSeed)
{
    public override string ToString() => $"{Layer} on fixture {Fixture} (kind {Kind}), valid {FuzzRunner.Hex(Message)}, mutation seed {MutationSeed:X16}";
}

/// <summary>
/// The device's security manager firmware (<c>DsmFirmware.HandleDoeObject</c>: the SPDM responder, IDE_KM and TDISP
/// responders behind the DOE mailbox), fed mutated requests at every layer of the stack by an untrusted host and PSP.
/// </summary>
/// <remarks>
/// Oracle: nothing throws; every answer is a well-formed DOE object of the request's type whose secured records open
/// under the session (the DSM never answers a forged record); garbage gets an ERROR (SPDM or TDISP), a refusing KP_ACK,
/// or no answer, and then nothing changed — connection state, sessions, TDI state, lock, nonce and report, key slots,
/// IDE_KM bookkeeping (sequence numbers aside: an authentic record that carries garbage legitimately spends one).
/// A forged record is dropped without spending the firmware's sequence number, which a probe sent right after checks.
/// A FINISH whose verify data is wrong ends its handshake session with DecryptError, as DSP0274 requires.
/// Fixtures (a connection stopped at each VCA step; a session with the TDI in each TDISP state; a session in handshake)
/// are reused while inputs leave them as built, restored through the real requester flows, or rebuilt.
/// </remarks>
public sealed class DsmFirmwareFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TdiState[] s_targets = [TdiState.ConfigUnlocked, TdiState.ConfigLocked, TdiState.Run, TdiState.Error];

    private static readonly SpdmRequesterPhase[] s_phases =
        [SpdmRequesterPhase.GetVersion, SpdmRequesterPhase.GetCapabilities, SpdmRequesterPhase.NegotiateAlgorithms, SpdmRequesterPhase.GetDigests];

    private readonly Dictionary<(DsmLayer Kind, int Index), DsmFixture> _fixtures = [];

    private int _seed = 10;

    [Fact]
    public void HandleDoeObject_MutatedRequestsAtEveryLayer_ErrorOrNoAnswerAndNoStateChange()
    {
        var stats = FuzzRunner.Run("DSM firmware (SPDM, IDE_KM, TDISP responder)", Inputs, Check, output, x => x.ToString(), shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 12);
        output.WriteLine(string.Join(", ", _fixtures.Select(f => $"{f.Value}")));
    }

    public void Dispose()
    {
        foreach (var f in _fixtures.Values)
        {
            f.Dispose();
        }
    }

    private static readonly Gen<DsmInput> Inputs = Gen.Frequency(
        (12, (IGen<DsmInput>)Gen.Int[0, 2].SelectMany(kind => Gen.Select(
            kind switch { 0 => DsmGen.Discovery, 1 => DsmGen.PlainSpdm, _ => DsmGen.SecuredSpdm },
            Gen.Int[0, 3],
            Gen.ULong,
            (m, f, s) => new DsmInput(DsmLayer.DoeObject, f, kind, m, s)))),
        (20, Gen.Select(DsmGen.PlainSpdm, Gen.Int[0, 39], Gen.ULong, (m, f, s) => new DsmInput(DsmLayer.PlainSpdm, f, 0, m, s))),
        (18, Gen.Select(DsmGen.SecuredSpdm, Gen.Int[0, 3], Gen.ULong, (m, f, s) => new DsmInput(DsmLayer.SecuredSpdm, f, 0, m, s))),
        (22, Gen.Select(DsmGen.IdeKm, Gen.Int[0, 3], Gen.ULong, (m, f, s) => new DsmInput(DsmLayer.IdeKm, f, 0, m, s))),
        (27, Gen.Select(DsmGen.Tdisp, Gen.Int[0, 3], Gen.ULong, (m, f, s) => new DsmInput(DsmLayer.Tdisp, f, 0, m, s))),
        (1, Gen.ULong.Select(s => new DsmInput(DsmLayer.Finish, 0, 0, [], s))));

    private FuzzOutcome Check(DsmInput input, FuzzStatistics stats)
    {
        var fixture = FixtureFor(input, stats);
        var pcg = new PCG(5, input.MutationSeed);
        var before = fixture.Snapshot();
        byte[] request;
        byte[]? sealedRecord = null;
        var message = input.Message;
        switch (input.Layer)
        {
            case DsmLayer.PlainSpdm:
                request = DoeDataObject.Encode(DoeDataObjectType.Spdm, Mutate.Once(pcg, message, DsmGen.PlainSpdm));
                break;

            case DsmLayer.SecuredSpdm:
                request = Seal(fixture, Mutate.Once(pcg, message, DsmGen.SecuredSpdm));
                break;

            case DsmLayer.IdeKm:
                request = Seal(fixture, PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, Mutate.Once(pcg, message, DsmGen.IdeKm)));
                break;

            case DsmLayer.Tdisp:
                request = Seal(fixture, PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, Mutate.Once(pcg, WithNonce(message, fixture), DsmGen.Tdisp)));
                break;

            case DsmLayer.Finish:
                request = Seal(fixture, Mutate.Once(pcg, fixture.FinishMessage!, DsmGen.Finish));
                break;

            default:
                var valid = input.Kind switch
                {
                    0 => DoeDataObject.Encode(DoeDataObjectType.Discovery, message),
                    1 => DoeDataObject.Encode(DoeDataObjectType.Spdm, message),
                    _ => Seal(fixture, message),
                };
                if (input.Kind == 2)
                {
                    DoeDataObject.Decode(valid, out var record);
                    sealedRecord = record.ToArray();
                }

                request = Mutate.Once(pcg, valid, Gen.Const(valid), maxLength: valid.Length + 64);
                break;
        }

        byte[]? response;
        try
        {
            response = fixture.Send(request);
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"HandleDoeObject threw on {fixture}: {FuzzRunner.Hex(request)}", e);
        }

        // A mutated sealed record: if it still claims to be a secured record but no longer carries the sealed bytes it
        // is forged, and the firmware must not answer it; whatever it became, the firmware must not have spent a
        // sequence number on it.
        var authentic = sealedRecord is null || IsAuthentic(request, sealedRecord);
        var forged = !authentic && ClaimsSecured(request);
        var outcome = Classify(fixture, request, response, forged, stats);
        if (!authentic)
        {
            // The requester reuses the number for a probe, which the firmware must answer (and the answer must open).
            fixture.RewindRequestSequence();
            var probe = fixture.Send(Seal(fixture, PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, new TdispHeaderOnlyMessage(TdispMessageType.GetDeviceInterfaceState, FuzzDevice.Tdi).Encode())));
            if (probe is null)
            {
                throw new FuzzOracleException($"after a damaged record the DSM no longer answers the next authentic one: it spent the sequence number of a record that did not authenticate ({FuzzRunner.Hex(request)})");
            }

            DoeDataObject.Decode(probe, out var probePayload);
            OpenOrFail(fixture, probePayload.ToArray(), "the probe after a damaged record");
            stats.Bump("damaged records");
        }

        if (!outcome.Accepted)
        {
            var after = fixture.Snapshot();
            var sessionEndedByFinish = input.Layer == DsmLayer.Finish && outcome.RejectedBy == $"SPDM ERROR {SpdmErrorCode.DecryptError}";
            if (sessionEndedByFinish)
            {
                // DSP0274: a FINISH that does not verify ends the session (DecryptError); nothing else may change.
                before = before with { Sessions = string.Empty, Connection = string.Empty };
                after = after with { Sessions = string.Empty, Connection = string.Empty };
                stats.Bump("handshakes ended by a bad FINISH");
            }

            if (before != after)
            {
                throw new FuzzOracleException($"{fixture}: a rejected {input.Layer} input ({outcome.RejectedBy}) changed state: {before.Difference(after)}; request {FuzzRunner.Hex(request)}");
            }
        }
        else
        {
            stats.Bump($"accepted {input.Layer}");
        }

        return outcome;
    }

    /// <summary>Decides from the answer whether the firmware accepted the request; checks that every answer is well formed.</summary>
    private static FuzzOutcome Classify(DsmFixture fixture, byte[] request, byte[]? response, bool forged, FuzzStatistics stats)
    {
        if (response is null)
        {
            return FuzzOutcome.Reject("no answer");
        }

        if (forged)
        {
            throw new FuzzOracleException($"the DSM answered a secured record that does not authenticate: {FuzzRunner.Hex(request)}");
        }

        DoeDataObjectHeader header;
        ReadOnlySpan<byte> payload;
        try
        {
            header = DoeDataObject.Decode(response, out payload);
        }
        catch (ProtocolFormatException e)
        {
            throw new FuzzOracleException($"the DSM answered a malformed DOE object ({e.Message})");
        }

        var requestType = DoeDataObject.Decode(request, out _).DataObjectType;
        if (header.DataObjectType != requestType || header.VendorId != DoeDataObjectHeader.PciSigVendorId)
        {
            throw new FuzzOracleException($"the DSM answered a {header.DataObjectType} request with vendor {header.VendorId:X4} type {header.DataObjectType}");
        }

        switch (requestType)
        {
            case DoeDataObjectType.Discovery:
                var discovery = payload.ToArray();
                Decodes(() => DoeDiscoveryResponse.Decode(discovery), "DISCOVERY_RESPONSE");
                return FuzzOutcome.Accept;

            case DoeDataObjectType.Spdm:
                return ClassifySpdm(fixture, payload.ToArray(), padded: true, stats);

            default:
                var message = OpenOrFail(fixture, payload.ToArray(), "a secured answer");
                return ClassifySpdm(fixture, message, padded: false, stats);
        }
    }

    private static FuzzOutcome ClassifySpdm(DsmFixture fixture, byte[] message, bool padded, FuzzStatistics stats)
    {
        var header = SpdmHeader.Peek(message);
        stats.Bump($"answer {header.Code}");
        switch (header.Code)
        {
            case SpdmRequestResponseCode.Error:
                var error = Decodes(() => padded ? SpdmMessage.DecodePadded(message, SpdmErrorResponse.Name, SpdmErrorResponse.Read, out _) : SpdmErrorResponse.Decode(message), "SPDM ERROR");
                return FuzzOutcome.Reject($"SPDM ERROR {error.ErrorCode}");

            case SpdmRequestResponseCode.VendorDefinedResponse:
                var vendor = Decodes(() => SpdmVendorDefinedMessage.DecodeResponse(message), "VENDOR_DEFINED_RESPONSE");
                var protocol = Decodes(() => PciSigVendorDefined.Unwrap(vendor, out _), "PCI-SIG vendor envelope");
                var body = vendor.Payload.AsSpan(1).ToArray();
                if (protocol == PciProtocolId.IdeKm)
                {
                    var ideKm = Decodes(() => IdeKmMessage.Decode(body), "IDE_KM answer");
                    return ideKm is IdeKmKpAck { Status: not IdeKmKpAckStatus.Success } ack ? FuzzOutcome.Reject($"KP_ACK {ack.Status}") : FuzzOutcome.Accept;
                }

                var tdisp = Decodes(() => TdispMessage.Decode(body), "TDISP answer");
                if (tdisp is TdispErrorResponse tdispError)
                {
                    return FuzzOutcome.Reject($"TDISP_ERROR {tdispError.ErrorCode}");
                }

                if (tdisp is TdispNonceMessage { MessageType: TdispMessageType.LockInterfaceResponse } locked)
                {
                    fixture.StartNonce = locked.Nonce;
                }

                return FuzzOutcome.Accept;

            default:
                return FuzzOutcome.Accept;
        }
    }

    private static byte[] OpenOrFail(DsmFixture fixture, byte[] payload, string what)
    {
        if (!fixture.Session!.TryOpenResponse(payload, out var message))
        {
            throw new FuzzOracleException($"{what} does not open under the session: {fixture.Session.Failure}");
        }

        return message;
    }

    private static T Decodes<T>(Func<T> decode, string what)
    {
        try
        {
            return decode();
        }
        catch (ProtocolFormatException e)
        {
            throw new FuzzOracleException($"the DSM answered a malformed {what}: {e.Message}");
        }
    }

    /// <summary>
    /// Whether a mutated DOE object still carries exactly the sealed record (the mutation touched only bytes the
    /// firmware ignores, such as reserved DOE header bits): then it must be processed like the original.
    /// </summary>
    private static bool IsAuthentic(byte[] request, byte[] sealedRecord)
    {
        if (!ClaimsSecured(request))
        {
            return false;
        }

        try
        {
            DoeDataObject.Decode(request, out var payload);
            var length = SecuredMessageRecord.Decode(payload, allowDoePadding: true).Length;
            var sealedLength = SecuredMessageRecord.Decode(sealedRecord, allowDoePadding: true).Length;
            return length == sealedLength && payload[..length].SequenceEqual(sealedRecord.AsSpan(0, length));
        }
        catch (ProtocolFormatException)
        {
            return false;
        }
    }

    /// <summary>Whether the firmware reads the object as a secured SPDM record (PCI-SIG vendor, type 2).</summary>
    private static bool ClaimsSecured(byte[] request)
    {
        try
        {
            var header = DoeDataObject.Decode(request, out _);
            return header.VendorId == DoeDataObjectHeader.PciSigVendorId && header.DataObjectType == DoeDataObjectType.SecuredSpdm;
        }
        catch (ProtocolFormatException)
        {
            return false;
        }
    }

    private static byte[] Seal(DsmFixture fixture, byte[] spdm)
    {
        var sealedMessage = fixture.Session!.SealRequest(spdm);
        return DoeDataObject.Encode(sealedMessage.Type, sealedMessage.Payload);
    }

    /// <summary>Puts the TDI's real START_INTERFACE_NONCE where the generator left its marker, so START can succeed.</summary>
    private static byte[] WithNonce(byte[] message, DsmFixture fixture)
    {
        var at = message.AsSpan().IndexOf(DsmGen.NonceMarker);
        if (at < 0 || fixture.StartNonce is not { } nonce)
        {
            return message;
        }

        var copy = (byte[])message.Clone();
        nonce.CopyTo(copy, at);
        return copy;
    }

    private DsmFixture FixtureFor(DsmInput input, FuzzStatistics stats)
    {
        // Plain SPDM mostly runs on connections stopped at each VCA step; a tenth of it on a live session.
        var key = input.Layer switch
        {
            DsmLayer.PlainSpdm when input.Fixture < 36 => (DsmLayer.PlainSpdm, input.Fixture % s_phases.Length),
            DsmLayer.PlainSpdm => (DsmLayer.SecuredSpdm, input.Fixture % s_targets.Length),
            DsmLayer.Finish => (DsmLayer.Finish, 0),
            DsmLayer.DoeObject when input.Kind == 1 => (DsmLayer.PlainSpdm, input.Fixture % s_phases.Length),
            _ => (DsmLayer.SecuredSpdm, input.Fixture % s_targets.Length),
        };

        if (_fixtures.TryGetValue(key, out var fixture))
        {
            if (fixture.IsCanonical() || fixture.Restore())
            {
                return fixture;
            }

            fixture.Dispose();
            stats.Bump("fixture rebuilds");
        }

        fixture = key.Item1 switch
        {
            DsmLayer.PlainSpdm => DsmFixture.Plain(s_phases[key.Item2], _seed++),
            DsmLayer.Finish => DsmFixture.Handshaking(_seed++),
            _ => DsmFixture.Secured(s_targets[key.Item2], _seed++),
        };
        _fixtures[key] = fixture;
        return fixture;
    }
}
