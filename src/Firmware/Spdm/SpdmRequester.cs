using System.Security.Cryptography;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>Step of the connection the requester is in.</summary>
public enum SpdmRequesterPhase
{
    GetVersion,
    GetCapabilities,
    NegotiateAlgorithms,
    GetDigests,
    GetCertificate,
    KeyExchange,
    Finish,
    Established,
    Failed,
}

/// <summary>
/// The PSP's SPDM 1.2 requester as a resumable state machine (<see cref="ISpdmRequesterFlow"/>): GET_VERSION,
/// GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS, GET_CERTIFICATE (in chunks), KEY_EXCHANGE and FINISH, after
/// which <see cref="Session"/> is established. It verifies the chain against the trusted root, the chain's digest,
/// the KEY_EXCHANGE_RSP signature and ResponderVerifyData, and fails with a typed <see cref="SpdmFailure"/> on any
/// mismatch. Measurements and END_SESSION run afterwards as their own flows (<see cref="CreateMeasurementsRequest"/>,
/// <see cref="CreateEndSessionRequest"/>); IDE_KM and TDISP run on <see cref="Session"/>.
/// </summary>
public sealed class SpdmRequester : ISpdmRequesterFlow, IDisposable
{
    private const byte Version = SpdmVersion.V12;

    private static readonly SpdmCapabilityFlags s_requesterFlags =
        SpdmCapabilityFlags.EncryptCap | SpdmCapabilityFlags.MacCap | SpdmCapabilityFlags.KeyExCap;

    private static readonly SpdmCapabilityFlags s_requiredResponderFlags =
        SpdmCapabilityFlags.CertCap | SpdmCapabilityFlags.MeasCapSig | SpdmCapabilityFlags.EncryptCap
        | SpdmCapabilityFlags.MacCap | SpdmCapabilityFlags.KeyExCap;

    private readonly SpdmRequesterOptions _options;
    private readonly SpdmTranscript _transcript = new();
    private readonly List<byte> _chain = [];
    private SpdmTransportMessage? _pending;
    private byte[] _pendingMessage = [];
    private int _chainTotal = -1;
    private byte[] _slot0Digest = [];
    private ECDiffieHellman? _ephemeral;
    private SpdmSessionTranscript? _sessionTranscript;
    private ECDsa? _leafKey;

    public SpdmRequester(SpdmRequesterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TrustedRootCertificate);
        ArgumentNullException.ThrowIfNull(options.Random);
        if (options.CertificateChunkLength == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "CertificateChunkLength must be positive");
        }

        _options = options;
    }

    public SpdmRequesterPhase Phase { get; private set; } = SpdmRequesterPhase.GetVersion;

    public SpdmFlowStatus Status => Phase switch
    {
        SpdmRequesterPhase.Established => SpdmFlowStatus.Completed,
        SpdmRequesterPhase.Failed => SpdmFlowStatus.Failed,
        _ => SpdmFlowStatus.InProgress,
    };

    public SpdmFailure? Failure { get; private set; }

    /// <summary>The session, once KEY_EXCHANGE succeeded (handshaking) and after FINISH (established).</summary>
    public SpdmSession? Session { get; private set; }

    /// <summary>The device's capabilities from CAPABILITIES.</summary>
    public SpdmCapabilitiesFields? ResponderCapabilities { get; private set; }

    /// <summary>The ALGORITHMS response the suite was checked against.</summary>
    public SpdmAlgorithms? Algorithms { get; private set; }

    /// <summary>The verified certificate chain in SPDM format (slot 0).</summary>
    public byte[]? CertificateChain { get; private set; }

    /// <summary>SHA-384 of <see cref="CertificateChain"/> (equal to the DIGESTS value of slot 0).</summary>
    public byte[]? CertificateChainDigest { get; private set; }

    /// <summary>MeasurementSummaryHash of KEY_EXCHANGE_RSP (empty when type 0 was asked for).</summary>
    public byte[]? MeasurementSummaryHash { get; private set; }

    /// <summary>Message A (VCA) as this requester hashed it.</summary>
    public byte[] Vca => _transcript.A;

    internal ECDsa? LeafKey => _leafKey;

    public bool TryGetNextRequest(out SpdmTransportMessage request)
    {
        if (Status != SpdmFlowStatus.InProgress)
        {
            request = default;
            return false;
        }

        _pending ??= BuildRequest();
        request = _pending.Value;
        return true;
    }

    public SpdmFlowStatus Accept(ReadOnlySpan<byte> response)
    {
        if (_pending is null)
        {
            throw new InvalidOperationException("no request is outstanding");
        }

        _pending = null;
        if (response.IsEmpty)
        {
            return Fail(SpdmFailureReason.NoResponse, $"no response in phase {Phase}");
        }

        try
        {
            HandleResponse(response);
        }
        catch (ProtocolFormatException e)
        {
            Fail(SpdmFailureReason.MalformedResponse, e.Message);
        }

        return Status;
    }

    /// <summary>A flow that asks for signed measurements inside the established session and verifies them.</summary>
    public SpdmMeasurementsRequest CreateMeasurementsRequest(byte[] nonce, byte operation = SpdmGetMeasurements.OperationAll, bool rawBitStream = false)
    {
        RequireEstablished();
        return new SpdmMeasurementsRequest(this, Session!, nonce, operation, rawBitStream);
    }

    /// <summary>A flow that ends the session with END_SESSION.</summary>
    public SpdmEndSessionRequest CreateEndSessionRequest()
    {
        RequireEstablished();
        return new SpdmEndSessionRequest(Session!);
    }

    private void RequireEstablished()
    {
        if (Session is not { State: SpdmSessionState.Established })
        {
            throw new InvalidOperationException("the session is not established");
        }
    }

    private SpdmTransportMessage BuildRequest()
    {
        switch (Phase)
        {
            case SpdmRequesterPhase.GetVersion:
                return Plain(new SpdmGetVersion());
            case SpdmRequesterPhase.GetCapabilities:
                return Plain(new SpdmGetCapabilities(new SpdmCapabilitiesFields(
                    _options.CtExponent, s_requesterFlags, _options.DataTransferSize, _options.MaxSpdmMessageSize)));
            case SpdmRequesterPhase.NegotiateAlgorithms:
                return Plain(new SpdmNegotiateAlgorithms(
                    SpdmMeasurementSpecification.Dmtf,
                    SpdmOpaqueDataFormats.Format1,
                    SpdmAlgorithmSuite.Asym,
                    SpdmAlgorithmSuite.Hash,
                    [
                        new SpdmAlgStruct(SpdmAlgStructType.Dhe, (ushort)SpdmAlgorithmSuite.Dhe),
                        new SpdmAlgStruct(SpdmAlgStructType.Aead, (ushort)SpdmAlgorithmSuite.Aead),
                        new SpdmAlgStruct(SpdmAlgStructType.ReqBaseAsymAlg, (ushort)SpdmAlgorithmSuite.Asym),
                        new SpdmAlgStruct(SpdmAlgStructType.KeySchedule, (ushort)SpdmAlgorithmSuite.KeySchedule),
                    ]));
            case SpdmRequesterPhase.GetDigests:
                return Plain(new SpdmGetDigests());
            case SpdmRequesterPhase.GetCertificate:
                return Plain(new SpdmGetCertificate(0, (ushort)_chain.Count, _options.CertificateChunkLength));
            case SpdmRequesterPhase.KeyExchange:
                _ephemeral?.Dispose();
                _ephemeral = SpdmEcKeys.CreateExchangeKey(_options.Random);
                var random = new byte[SpdmKeyExchange.RandomDataSize];
                _options.Random.NextBytes(random);
                return Plain(new SpdmKeyExchange(
                    _options.MeasurementSummaryHashType,
                    0,
                    (ushort)_options.Random.Next(1, 0x10000),
                    0,
                    random,
                    SpdmEcKeys.ExchangeData(_ephemeral),
                    SecuredMessageOpaqueData.EncodeSupportedVersions([SpdmAlgorithmSuite.SecuredMessageVersion])));
            case SpdmRequesterPhase.Finish:
                var requestFinishedKey = SpdmKeySchedule.DeriveFinishedKey(Session!.HandshakeSecrets.RequestHandshakeSecret);
                var header = new byte[SpdmHeader.Size];
                var writer = new WireWriter(header);
                new SpdmHeader(Version, SpdmRequestResponseCode.Finish, 0, 0).Write(ref writer);
                var verify = HMACSHA384.HashData(requestFinishedKey, _sessionTranscript!.HashWith(header));
                _pendingMessage = new SpdmFinish(null, 0, verify).Encode();
                return Session.SealRequest(_pendingMessage);
            default:
                throw new InvalidOperationException($"no request in phase {Phase}");
        }
    }

    private SpdmTransportMessage Plain(SpdmMessage message)
    {
        _pendingMessage = message.Encode();
        return new SpdmTransportMessage(DoeDataObjectType.Spdm, _pendingMessage);
    }

    private void HandleResponse(ReadOnlySpan<byte> payload)
    {
        if (Phase == SpdmRequesterPhase.Finish)
        {
            HandleFinishResponse(payload);
            return;
        }

        var header = SpdmHeader.Peek(payload);
        if (header.Code == SpdmRequestResponseCode.Error)
        {
            var error = SpdmMessage.DecodePadded(payload, SpdmErrorResponse.Name, SpdmErrorResponse.Read, out _);
            Fail(SpdmFailureReason.ErrorResponse, $"ERROR {error.ErrorCode} (data 0x{error.ErrorData:X2}) in phase {Phase}");
            return;
        }

        var expectedVersion = Phase == SpdmRequesterPhase.GetVersion ? SpdmVersion.V10 : Version;
        if (header.Version != expectedVersion)
        {
            Fail(SpdmFailureReason.VersionMismatch, $"response version 0x{header.Version:X2}, expected 0x{expectedVersion:X2}");
            return;
        }

        switch (Phase)
        {
            case SpdmRequesterPhase.GetVersion:
                OnVersion(payload);
                break;
            case SpdmRequesterPhase.GetCapabilities:
                OnCapabilities(payload);
                break;
            case SpdmRequesterPhase.NegotiateAlgorithms:
                OnAlgorithms(payload);
                break;
            case SpdmRequesterPhase.GetDigests:
                OnDigests(payload);
                break;
            case SpdmRequesterPhase.GetCertificate:
                OnCertificate(payload);
                break;
            case SpdmRequesterPhase.KeyExchange:
                OnKeyExchangeResponse(payload);
                break;
        }
    }

    private bool Expect(ReadOnlySpan<byte> payload, SpdmRequestResponseCode code)
    {
        var actual = SpdmHeader.Peek(payload).Code;
        if (actual != code)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"{actual} in phase {Phase}, expected {code}");
            return false;
        }

        return true;
    }

    private void OnVersion(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.Version))
        {
            return;
        }

        var version = SpdmMessage.DecodePadded(payload, SpdmVersionResponse.Name, SpdmVersionResponse.Read, out var length);
        if (!version.Entries.Any(e => SpdmVersion.FromEntry(e) == Version))
        {
            Fail(SpdmFailureReason.VersionMismatch, "the responder does not offer SPDM 1.2");
            return;
        }

        _transcript.ResetA();
        _transcript.AppendA(_pendingMessage);
        _transcript.AppendA(payload[..length]);
        Phase = SpdmRequesterPhase.GetCapabilities;
    }

    private void OnCapabilities(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.Capabilities))
        {
            return;
        }

        var capabilities = SpdmMessage.DecodePadded(payload, SpdmCapabilities.Name, SpdmCapabilities.Read, out var length);
        var missing = s_requiredResponderFlags & ~capabilities.Fields.Flags;
        if (missing != 0)
        {
            Fail(SpdmFailureReason.CapabilityMismatch, $"responder lacks {missing}");
            return;
        }

        if (capabilities.Fields.DataTransferSize < SpdmCapabilitiesFields.MinDataTransferSize12)
        {
            Fail(SpdmFailureReason.CapabilityMismatch, $"DataTransferSize {capabilities.Fields.DataTransferSize} is below 42");
            return;
        }

        ResponderCapabilities = capabilities.Fields;
        _transcript.AppendA(_pendingMessage);
        _transcript.AppendA(payload[..length]);
        Phase = SpdmRequesterPhase.NegotiateAlgorithms;
    }

    private void OnAlgorithms(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.Algorithms))
        {
            return;
        }

        var algorithms = SpdmMessage.DecodePadded(payload, SpdmAlgorithms.Name, SpdmAlgorithms.Read, out var length);
        var problems = new List<string>();
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add(what);
            }
        }

        Check(algorithms.BaseHashSel == SpdmAlgorithmSuite.Hash, $"BaseHashSel {algorithms.BaseHashSel}");
        Check(algorithms.BaseAsymSel == SpdmAlgorithmSuite.Asym, $"BaseAsymSel {algorithms.BaseAsymSel}");
        Check(algorithms.MeasurementSpecificationSel == SpdmMeasurementSpecification.Dmtf, $"MeasurementSpecificationSel {algorithms.MeasurementSpecificationSel}");
        Check(algorithms.MeasurementHashAlgo == SpdmAlgorithmSuite.MeasurementHash, $"MeasurementHashAlgo {algorithms.MeasurementHashAlgo}");
        Check(algorithms.OtherParamsSelection == SpdmOpaqueDataFormats.Format1, $"OtherParamsSelection {algorithms.OtherParamsSelection}");
        Check(algorithms.Selected(SpdmAlgStructType.Dhe) == (ushort)SpdmAlgorithmSuite.Dhe, "DHE");
        Check(algorithms.Selected(SpdmAlgStructType.Aead) == (ushort)SpdmAlgorithmSuite.Aead, "AEAD");
        Check(algorithms.Selected(SpdmAlgStructType.KeySchedule) == (ushort)SpdmAlgorithmSuite.KeySchedule, "KeySchedule");
        if (problems.Count > 0)
        {
            Fail(SpdmFailureReason.AlgorithmMismatch, "responder selected " + string.Join(", ", problems));
            return;
        }

        Algorithms = algorithms;
        _transcript.AppendA(_pendingMessage);
        _transcript.AppendA(payload[..length]);
        Phase = SpdmRequesterPhase.GetDigests;
    }

    private void OnDigests(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.Digests))
        {
            return;
        }

        var digests = SpdmMessage.DecodePadded(payload, SpdmDigests.Name, (ref WireReader r) => SpdmDigests.Read(ref r, SpdmKeySchedule.HashSize), out var length);
        var slot0 = digests.DigestOf(0);
        if (slot0 is null)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, "DIGESTS has no certificate chain in slot 0");
            return;
        }

        _slot0Digest = slot0;
        _transcript.AppendB(_pendingMessage);
        _transcript.AppendB(payload[..length]);
        Phase = SpdmRequesterPhase.GetCertificate;
    }

    private void OnCertificate(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.Certificate))
        {
            return;
        }

        var certificate = SpdmMessage.DecodePadded(payload, SpdmCertificate.Name, SpdmCertificate.Read, out var length);
        var offset = _chain.Count;
        var portion = certificate.Portion.Length;
        if (certificate.SlotId != 0 || portion > _options.CertificateChunkLength)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"CERTIFICATE slot {certificate.SlotId} with {portion} bytes for a {_options.CertificateChunkLength}-byte request of slot 0");
            return;
        }

        var total = offset + portion + certificate.RemainderLength;
        if (_chainTotal < 0)
        {
            _chainTotal = total;
        }
        else if (total != _chainTotal)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"chain length changed from {_chainTotal} to {total} between portions");
            return;
        }

        if (portion == 0 && certificate.RemainderLength > 0)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, "empty CERTIFICATE portion with bytes remaining");
            return;
        }

        if (_chainTotal > ushort.MaxValue)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"chain of {_chainTotal} bytes exceeds 65535");
            return;
        }

        _chain.AddRange(certificate.Portion);
        _transcript.AppendB(_pendingMessage);
        _transcript.AppendB(payload[..length]);
        if (certificate.RemainderLength > 0)
        {
            return;
        }

        var chain = _chain.ToArray();
        var digest = SHA384.HashData(chain);
        if (!digest.AsSpan().SequenceEqual(_slot0Digest))
        {
            Fail(SpdmFailureReason.CertificateDigestMismatch, "the chain does not hash to the DIGESTS value of slot 0");
            return;
        }

        var error = SpdmCertificateChainVerifier.Verify(chain, _options.TrustedRootCertificate, out var leafKey, out var detail);
        if (error != SpdmChainError.None)
        {
            Fail(error == SpdmChainError.UntrustedRoot ? SpdmFailureReason.CertificateChainUntrusted : SpdmFailureReason.CertificateChainInvalid, $"{error}: {detail}");
            return;
        }

        _leafKey = leafKey;
        CertificateChain = chain;
        CertificateChainDigest = digest;
        Phase = SpdmRequesterPhase.KeyExchange;
    }

    private void OnKeyExchangeResponse(ReadOnlySpan<byte> payload)
    {
        if (!Expect(payload, SpdmRequestResponseCode.KeyExchangeRsp))
        {
            return;
        }

        var sizes = SpdmAlgorithmSuite.Sizes;
        var summaryPresent = _options.MeasurementSummaryHashType != 0;
        var response = SpdmMessage.DecodePadded(
            payload,
            SpdmKeyExchangeResponse.Name,
            (ref WireReader r) => SpdmKeyExchangeResponse.Read(ref r, sizes, summaryPresent, responderVerifyDataPresent: true),
            out var length);
        var bytes = payload[..length];

        if (response.MutAuthRequested != 0)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, "the responder asks for mutual authentication, which this requester does not offer");
            return;
        }

        var selected = SecuredMessageOpaqueData.DecodeVersionSelection(response.OpaqueData);
        if (selected != SpdmAlgorithmSuite.SecuredMessageVersion)
        {
            Fail(SpdmFailureReason.VersionMismatch, $"secured-message version 0x{selected:X4} was not offered");
            return;
        }

        var transcript = new SpdmSessionTranscript(_transcript.A, CertificateChainDigest!);
        transcript.AppendK(_pendingMessage);
        transcript.AppendK(bytes[..response.SignatureOffset]);
        if (!SpdmSignature.Verify(_leafKey!, SpdmSigningContext.KeyExchangeResponseContext, transcript.Hash(), response.Signature))
        {
            Fail(SpdmFailureReason.SignatureInvalid, "KEY_EXCHANGE_RSP signature does not verify under the leaf key");
            return;
        }

        transcript.AppendK(response.Signature);
        if (!SpdmEcKeys.TryImportPeer(response.ExchangeData, out var peer))
        {
            Fail(SpdmFailureReason.MalformedResponse, "KEY_EXCHANGE_RSP ExchangeData is not a secp384r1 point");
            return;
        }

        byte[] dheSecret;
        using (peer)
        {
            dheSecret = SpdmEcKeys.SharedSecret(_ephemeral!, peer!);
        }

        var th1 = transcript.Hash();
        var secrets = SpdmKeySchedule.DeriveHandshakeSecrets(dheSecret, th1);
        var expected = HMACSHA384.HashData(SpdmKeySchedule.DeriveFinishedKey(secrets.ResponseHandshakeSecret), th1);
        if (!CryptographicOperations.FixedTimeEquals(expected, response.ResponderVerifyData))
        {
            Fail(SpdmFailureReason.VerifyDataInvalid, "KEY_EXCHANGE_RSP ResponderVerifyData (HMAC) does not match");
            return;
        }

        transcript.AppendK(response.ResponderVerifyData);
        var reqSessionId = SpdmKeyExchange.Decode(_pendingMessage, sizes.ExchangeDataSize).ReqSessionId;
        _sessionTranscript = transcript;
        MeasurementSummaryHash = response.MeasurementSummaryHash;
        Session = new SpdmSession(((uint)reqSessionId << 16) | response.RspSessionId, secrets);
        _ephemeral!.Dispose();
        _ephemeral = null;
        Phase = SpdmRequesterPhase.Finish;
    }

    private void HandleFinishResponse(ReadOnlySpan<byte> payload)
    {
        if (!Session!.TryOpenResponse(payload, out var message))
        {
            Fail(Session.Failure!.Reason, Session.Failure.Detail);
            return;
        }

        var header = SpdmHeader.Peek(message);
        if (header.Code == SpdmRequestResponseCode.Error)
        {
            var error = SpdmErrorResponse.Decode(message);
            Fail(SpdmFailureReason.ErrorResponse, $"ERROR {error.ErrorCode} (data 0x{error.ErrorData:X2}) to FINISH");
            return;
        }

        if (!Expect(message, SpdmRequestResponseCode.FinishRsp))
        {
            return;
        }

        SpdmFinishResponse.Decode(message, verifyDataSize: 0);
        _sessionTranscript!.AppendF(_pendingMessage);
        _sessionTranscript.AppendF(message);
        var th2 = _sessionTranscript.Hash();
        Session.Establish(SpdmKeySchedule.DeriveApplicationSecrets(Session.HandshakeSecrets.HandshakeSecret, th2));
        Phase = SpdmRequesterPhase.Established;
    }

    private SpdmFlowStatus Fail(SpdmFailureReason reason, string detail)
    {
        Failure ??= new SpdmFailure(reason, detail);
        Phase = SpdmRequesterPhase.Failed;
        Session?.Fail(Failure);
        return SpdmFlowStatus.Failed;
    }

    public void Dispose()
    {
        _ephemeral?.Dispose();
        _leafKey?.Dispose();
        Session?.Dispose();
    }
}
