using System.Security.Cryptography;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>Where the responder's connection is in the VCA sequence (DSP0274 1.2 §"Connection states").</summary>
public enum SpdmResponderConnectionState
{
    NotStarted,
    AfterVersion,
    AfterCapabilities,
    Negotiated,
}

/// <summary>
/// The device's SPDM 1.2 responder. Plain requests (DOE type 1) go to <see cref="HandleRequest"/>, secured records
/// (DOE type 2) to <see cref="HandleSecuredMessage"/>; each returns the response to send back in the same kind of
/// object, or null when nothing is sent. A malformed request gets ERROR InvalidRequest; one out of sequence gets
/// UnexpectedRequest; a secured record that does not authenticate, names an unknown session, or does not parse is
/// dropped silently (DSP0277 allows either; dropping keeps an injected record from tearing down a live session).
/// </summary>
public sealed class SpdmResponder
{
    private const byte Version = SpdmVersion.V12;

    private static readonly SpdmCapabilityFlags s_capabilities =
        SpdmCapabilityFlags.CertCap | SpdmCapabilityFlags.MeasCapSig | SpdmCapabilityFlags.EncryptCap
        | SpdmCapabilityFlags.MacCap | SpdmCapabilityFlags.KeyExCap;

    private readonly SpdmResponderOptions _options;
    private readonly SpdmTranscript _transcript = new();
    private readonly SpdmMeasurementTranscript _measurementTranscript = new();
    private readonly Dictionary<uint, Session> _sessions = [];
    private SpdmResponderConnectionState _state;
    private SpdmCapabilityFlags _requesterFlags;
    private bool _opaqueFormat1;

    public SpdmResponder(SpdmResponderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public SpdmResponderConnectionState ConnectionState => _state;

    /// <summary>Ids of sessions in handshake or established.</summary>
    public IReadOnlyCollection<uint> SessionIds => _sessions.Keys;

    public bool IsSessionEstablished(uint sessionId) => _sessions.TryGetValue(sessionId, out var s) && s.Established;

    /// <summary>Handles a plain SPDM request (a DOE type-1 payload, possibly padded to a DW).</summary>
    public byte[]? HandleRequest(ReadOnlySpan<byte> payload, bool doePadded = true)
    {
        if (payload.Length < SpdmHeader.Size)
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var header = SpdmHeader.Peek(payload);
        if (header.Code == SpdmRequestResponseCode.GetVersion)
        {
            return OnGetVersion(payload, doePadded);
        }

        if (_state != SpdmResponderConnectionState.NotStarted && header.Version != Version)
        {
            return Error(SpdmErrorCode.VersionMismatch, 0);
        }

        return header.Code switch
        {
            SpdmRequestResponseCode.GetCapabilities => OnGetCapabilities(payload, doePadded),
            SpdmRequestResponseCode.NegotiateAlgorithms => OnNegotiateAlgorithms(payload, doePadded),
            SpdmRequestResponseCode.GetDigests => OnGetDigests(payload, doePadded),
            SpdmRequestResponseCode.GetCertificate => OnGetCertificate(payload, doePadded),
            SpdmRequestResponseCode.GetMeasurements => OnGetMeasurements(payload, doePadded, _measurementTranscript),
            SpdmRequestResponseCode.KeyExchange => OnKeyExchange(payload, doePadded),
            SpdmRequestResponseCode.VendorDefinedRequest => OnVendorDefined(payload, doePadded, null),

            // FINISH and END_SESSION only travel inside the session: the handshake is not in the clear.
            SpdmRequestResponseCode.Finish or SpdmRequestResponseCode.EndSession => Error(SpdmErrorCode.UnexpectedRequest, 0),
            _ => Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code),
        };
    }

    /// <summary>Handles a secured record (a DOE type-2 payload). Returns the secured response, or null (drop).</summary>
    public byte[]? HandleSecuredMessage(ReadOnlySpan<byte> payload, bool doePadded = true)
    {
        SecuredMessageRecord record;
        try
        {
            record = SecuredMessageRecord.Decode(payload, doePadded);
        }
        catch (ProtocolFormatException)
        {
            return null;
        }

        if (!_sessions.TryGetValue(record.SessionId, out var session))
        {
            return null;
        }

        var inbound = session.Established ? session.RequestData! : session.RequestHandshake;
        if (!inbound.TryOpen(record, out var message))
        {
            return null;
        }

        // The response goes out under the keys in force when the request came in (FINISH_RSP under handshake keys).
        var outbound = session.Established ? session.ResponseData! : session.ResponseHandshake;
        var response = HandleInSession(session, message);
        if (response is null)
        {
            return null;
        }

        var sealedResponse = outbound.Seal(session.Id, response);
        if (session.Ending)
        {
            EndSession(session);
        }
        else if (session.PromoteAfterResponse)
        {
            session.PromoteToApplicationKeys();
        }

        return sealedResponse;
    }

    private byte[]? HandleInSession(Session session, byte[] message)
    {
        if (message.Length < SpdmHeader.Size)
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var header = SpdmHeader.Peek(message);
        if (header.Version != Version)
        {
            return Error(SpdmErrorCode.VersionMismatch, 0);
        }

        if (!session.Established)
        {
            return header.Code == SpdmRequestResponseCode.Finish
                ? OnFinish(session, message)
                : Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        switch (header.Code)
        {
            case SpdmRequestResponseCode.GetMeasurements:
                return OnGetMeasurements(message, false, session.Measurements);
            case SpdmRequestResponseCode.VendorDefinedRequest:
                return OnVendorDefined(message, false, session.Id);
            case SpdmRequestResponseCode.EndSession:
                if (!TryDecode(message, false, SpdmEndSession.Name, SpdmEndSession.Read, out _, out _))
                {
                    return Error(SpdmErrorCode.InvalidRequest, 0);
                }

                session.Ending = true;
                return new SpdmEndSessionAck().Encode();
            case SpdmRequestResponseCode.Heartbeat or SpdmRequestResponseCode.KeyUpdate:
                return Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
            case SpdmRequestResponseCode.GetVersion or SpdmRequestResponseCode.GetCapabilities
                or SpdmRequestResponseCode.NegotiateAlgorithms or SpdmRequestResponseCode.KeyExchange
                or SpdmRequestResponseCode.Finish or SpdmRequestResponseCode.GetDigests
                or SpdmRequestResponseCode.GetCertificate:
                return Error(SpdmErrorCode.UnexpectedRequest, 0);
            default:
                return Error(SpdmErrorCode.UnsupportedRequest, (byte)header.Code);
        }
    }

    private byte[] OnGetVersion(ReadOnlySpan<byte> payload, bool padded)
    {
        // A GET_VERSION that does not parse is refused and changes nothing: validate first, then reset (as libspdm does),
        // so a malformed one injected by the host cannot tear the sessions down.
        if (!TryDecode(payload, padded, SpdmGetVersion.Name, SpdmGetVersion.Read, out var request, out var length)
            || request.Version != SpdmVersion.V10)
        {
            return Error(SpdmErrorCode.InvalidRequest, 0, SpdmVersion.V10);
        }

        // GET_VERSION restarts the connection and ends every session (DSP0274 1.2 §10.3).
        foreach (var session in _sessions.Values.ToList())
        {
            EndSession(session);
        }

        _transcript.ResetA();
        _measurementTranscript.Reset();
        _state = SpdmResponderConnectionState.NotStarted;
        var response = new SpdmVersionResponse([SpdmVersion.ToEntry(Version)]).Encode();
        _transcript.AppendA(payload[..length]);
        _transcript.AppendA(response);
        _state = SpdmResponderConnectionState.AfterVersion;
        return response;
    }

    private byte[] OnGetCapabilities(ReadOnlySpan<byte> payload, bool padded)
    {
        if (_state != SpdmResponderConnectionState.AfterVersion)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        if (!TryDecode(payload, padded, SpdmGetCapabilities.Name, SpdmGetCapabilities.Read, out var request, out var length)
            || request.Fields.DataTransferSize < SpdmCapabilitiesFields.MinDataTransferSize12
            || request.Fields.MaxSpdmMessageSize < request.Fields.DataTransferSize)
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        _requesterFlags = request.Fields.Flags;
        var response = new SpdmCapabilities(new SpdmCapabilitiesFields(
            _options.CtExponent, s_capabilities, _options.DataTransferSize, _options.MaxSpdmMessageSize)).Encode();
        _transcript.AppendA(payload[..length]);
        _transcript.AppendA(response);
        _state = SpdmResponderConnectionState.AfterCapabilities;
        return response;
    }

    private byte[] OnNegotiateAlgorithms(ReadOnlySpan<byte> payload, bool padded)
    {
        if (_state != SpdmResponderConnectionState.AfterCapabilities)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        if (!TryDecode(payload, padded, SpdmNegotiateAlgorithms.Name, SpdmNegotiateAlgorithms.Read, out var request, out var length))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        // Select the suite where offered; a zero selection tells the requester there is no common algorithm.
        ushort Pick(SpdmAlgStructType type, ushort ours) =>
            (ushort)((SpdmAlgStruct.Find(request.AlgStructs, type)?.Supported ?? 0) & ours);

        _opaqueFormat1 = (request.OtherParamsSupport & SpdmOpaqueDataFormats.Format1) != 0;
        var measSpec = request.MeasurementSpecification & SpdmMeasurementSpecification.Dmtf;
        var structs = new List<SpdmAlgStruct>
        {
            new(SpdmAlgStructType.Dhe, Pick(SpdmAlgStructType.Dhe, (ushort)SpdmAlgorithmSuite.Dhe)),
            new(SpdmAlgStructType.Aead, Pick(SpdmAlgStructType.Aead, (ushort)SpdmAlgorithmSuite.Aead)),
            new(SpdmAlgStructType.ReqBaseAsymAlg, 0),
            new(SpdmAlgStructType.KeySchedule, Pick(SpdmAlgStructType.KeySchedule, (ushort)SpdmAlgorithmSuite.KeySchedule)),
        };
        var response = new SpdmAlgorithms(
            measSpec,
            _opaqueFormat1 ? SpdmOpaqueDataFormats.Format1 : SpdmOpaqueDataFormats.None,
            measSpec != 0 ? SpdmAlgorithmSuite.MeasurementHash : SpdmMeasurementHashAlgorithms.None,
            request.BaseAsymAlgo & SpdmAlgorithmSuite.Asym,
            request.BaseHashAlgo & SpdmAlgorithmSuite.Hash,
            structs).Encode();
        _transcript.AppendA(payload[..length]);
        _transcript.AppendA(response);
        _state = SpdmResponderConnectionState.Negotiated;
        return response;
    }

    private byte[] OnGetDigests(ReadOnlySpan<byte> payload, bool padded)
    {
        if (_state != SpdmResponderConnectionState.Negotiated)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        if (!TryDecode(payload, padded, SpdmGetDigests.Name, SpdmGetDigests.Read, out _, out var length))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var response = new SpdmDigests(0x01, [_options.Identity.CertificateChainDigest]).Encode();
        _transcript.AppendB(payload[..length]);
        _transcript.AppendB(response);
        return response;
    }

    private byte[] OnGetCertificate(ReadOnlySpan<byte> payload, bool padded)
    {
        if (_state != SpdmResponderConnectionState.Negotiated)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        var chain = _options.Identity.CertificateChain;
        if (!TryDecode(payload, padded, SpdmGetCertificate.Name, SpdmGetCertificate.Read, out var request, out var length)
            || request.SlotId != 0
            || request.Offset >= chain.Length)
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var portion = Math.Min(Math.Min(request.Length, chain.Length - request.Offset), _options.MaxCertificatePortion);
        var remainder = chain.Length - request.Offset - portion;
        var response = new SpdmCertificate(0, chain.AsSpan(request.Offset, portion).ToArray(), (ushort)remainder).Encode();
        _transcript.AppendB(payload[..length]);
        _transcript.AppendB(response);
        return response;
    }

    private byte[] OnGetMeasurements(ReadOnlySpan<byte> payload, bool padded, SpdmMeasurementTranscript m)
    {
        if (_state != SpdmResponderConnectionState.Negotiated)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        if (!TryDecode(payload, padded, SpdmGetMeasurements.Name, SpdmGetMeasurements.Read, out var request, out var length)
            || (request.SignatureRequested && request.SlotId != 0))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var log = _options.Measurements;
        var raw = (request.Attributes & SpdmMeasurementRequestAttributes.RawBitStreamRequested) != 0;
        byte param1 = 0;
        var blocks = new List<SpdmMeasurementBlock>();
        switch (request.Operation)
        {
            case SpdmGetMeasurements.OperationTotalCount:
                param1 = (byte)log.Blocks.Count;
                break;
            case SpdmGetMeasurements.OperationAll:
                blocks.AddRange(log.Blocks.Select(b => SpdmMeasurementLog.ToBlock(b, raw)));
                break;
            default:
                var block = log.Find(request.Operation);
                if (block is null)
                {
                    return Error(SpdmErrorCode.InvalidRequest, 0);
                }

                blocks.Add(SpdmMeasurementLog.ToBlock(block, raw));
                break;
        }

        var nonce = RandomBytes(SpdmMeasurements.NonceSize);
        var slotParam = request.SignatureRequested ? request.SlotId : (byte)0;
        var unsigned = new SpdmMeasurements(param1, slotParam, blocks, nonce, [], null).Encode();
        if (!request.SignatureRequested)
        {
            m.Append(payload[..length]);
            m.Append(unsigned);
            return unsigned;
        }

        // L1 = A ‖ M ‖ this request ‖ this response up to the signature (DSP0274 1.2 §"MEASUREMENTS signature").
        m.Append(payload[..length]);
        var l1 = m.L1(_transcript.A, unsigned);
        m.Reset();
        var signature = SpdmSignature.Sign(_options.Identity.LeafKey, SpdmSigningContext.MeasurementsContext, SHA384.HashData(l1));
        return [.. unsigned, .. signature];
    }

    private byte[] OnKeyExchange(ReadOnlySpan<byte> payload, bool padded)
    {
        if (_state != SpdmResponderConnectionState.Negotiated)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        var sizes = SpdmAlgorithmSuite.Sizes;
        if (!TryDecode(payload, padded, SpdmKeyExchange.Name, (ref WireReader r) => SpdmKeyExchange.Read(ref r, sizes.ExchangeDataSize), out var request, out var length)
            || request.SlotId != 0
            || request.MeasurementSummaryHashType is not (0 or 1 or 0xFF))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        if (_sessions.Count >= _options.MaxSessions)
        {
            return Error(SpdmErrorCode.SessionLimitExceeded, 0);
        }

        byte[] opaqueResponse = [];
        if (_opaqueFormat1)
        {
            try
            {
                var offered = SecuredMessageOpaqueData.DecodeSupportedVersions(request.OpaqueData);
                if (!offered.Contains(SpdmAlgorithmSuite.SecuredMessageVersion))
                {
                    return Error(SpdmErrorCode.InvalidRequest, 0);
                }
            }
            catch (ProtocolFormatException)
            {
                return Error(SpdmErrorCode.InvalidRequest, 0);
            }

            opaqueResponse = SecuredMessageOpaqueData.EncodeVersionSelection(SpdmAlgorithmSuite.SecuredMessageVersion);
        }

        if (!SpdmEcKeys.TryImportPeer(request.ExchangeData, out var peer))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        using (peer)
        using (var ephemeral = SpdmEcKeys.CreateExchangeKey(_options.Random))
        {
            var rspSessionId = NewResponderSessionId(request.ReqSessionId);
            var sessionId = ((uint)request.ReqSessionId << 16) | rspSessionId;
            var dheSecret = SpdmEcKeys.SharedSecret(ephemeral, peer!);
            var transcript = new SpdmSessionTranscript(_transcript.A, _options.Identity.CertificateChainDigest);
            var summary = request.MeasurementSummaryHashType == 0 ? [] : _options.Measurements.SummaryHash();
            var unsigned = new SpdmKeyExchangeResponse(
                0, rspSessionId, 0, 0, RandomBytes(SpdmKeyExchangeResponse.RandomDataSize), SpdmEcKeys.ExchangeData(ephemeral),
                summary, opaqueResponse, new byte[sizes.SignatureSize], new byte[sizes.HashSize]);
            var encoded = unsigned.Encode();

            // K up to the signature, sign; K with the signature gives TH1, the handshake keys and the HMAC.
            transcript.AppendK(payload[..length]);
            transcript.AppendK(encoded.AsSpan(0, unsigned.SignatureOffset));
            var signature = SpdmSignature.Sign(_options.Identity.LeafKey, SpdmSigningContext.KeyExchangeResponseContext, transcript.Hash());
            signature.CopyTo(encoded, unsigned.SignatureOffset);
            transcript.AppendK(signature);
            var th1 = transcript.Hash();
            var secrets = SpdmKeySchedule.DeriveHandshakeSecrets(dheSecret, th1);
            var responseFinishedKey = SpdmKeySchedule.DeriveFinishedKey(secrets.ResponseHandshakeSecret);
            var verify = HMACSHA384.HashData(responseFinishedKey, th1);
            verify.CopyTo(encoded, unsigned.VerifyDataOffset);
            transcript.AppendK(verify);

            _sessions[sessionId] = new Session(sessionId, transcript, secrets);
            return encoded;
        }
    }

    private byte[] OnFinish(Session session, byte[] message)
    {
        var sizes = SpdmAlgorithmSuite.Sizes;
        if (!TryDecode(message, false, SpdmFinish.Name, (ref WireReader r) => SpdmFinish.Read(ref r, sizes), out var request, out _)
            || request.Signature is not null)
        {
            // No mutual authentication was requested, so a signed FINISH is invalid.
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        var requestFinishedKey = SpdmKeySchedule.DeriveFinishedKey(session.Secrets.RequestHandshakeSecret);
        var expected = HMACSHA384.HashData(requestFinishedKey, session.Transcript.HashWith(message.AsSpan(0, request.VerifyDataOffset)));
        if (!CryptographicOperations.FixedTimeEquals(expected, request.RequesterVerifyData))
        {
            // DSP0274: a FINISH that does not verify ends the session with DecryptError.
            session.Ending = true;
            return Error(SpdmErrorCode.DecryptError, 0);
        }

        session.Transcript.AppendF(message);
        var response = new SpdmFinishResponse([]).Encode();
        session.Transcript.AppendF(response);
        session.DeriveApplicationKeys(session.Transcript.Hash());
        session.PromoteAfterResponse = true;
        return response;
    }

    private byte[]? OnVendorDefined(ReadOnlySpan<byte> payload, bool padded, uint? sessionId)
    {
        if (_state != SpdmResponderConnectionState.Negotiated)
        {
            return Error(SpdmErrorCode.UnexpectedRequest, 0);
        }

        if (!TryDecode(payload, padded, SpdmVendorDefinedMessage.RequestName, (ref WireReader r) => SpdmVendorDefinedMessage.Read(ref r, true), out var request, out _))
        {
            return Error(SpdmErrorCode.InvalidRequest, 0);
        }

        // With a handler, a null answer means "send nothing" (IDE_KM and TDISP outside a session, wrong sizes).
        return _options.VendorDefinedHandler is { } handler
            ? handler.HandleVendorDefinedRequest(sessionId, request)
            : Error(SpdmErrorCode.UnsupportedRequest, (byte)SpdmRequestResponseCode.VendorDefinedRequest);
    }

    private void EndSession(Session session)
    {
        _sessions.Remove(session.Id);
        session.Dispose();
        _options.VendorDefinedHandler?.OnSessionEnded(session.Id);
    }

    private ushort NewResponderSessionId(ushort reqSessionId)
    {
        while (true)
        {
            var id = (ushort)_options.Random.Next(1, 0x10000);
            if (!_sessions.ContainsKey(((uint)reqSessionId << 16) | id))
            {
                return id;
            }
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _options.Random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Error(SpdmErrorCode code, byte data, byte version = Version) =>
        new SpdmErrorResponse(code, data, null, version).Encode();

    private static bool TryDecode<T>(ReadOnlySpan<byte> payload, bool padded, string name, SpdmMessageReader<T> read, out T message, out int length)
    {
        try
        {
            if (padded)
            {
                message = SpdmMessage.DecodePadded(payload, name, read, out length);
            }
            else
            {
                var reader = new WireReader(payload, name);
                message = read(ref reader);
                reader.ExpectEnd();
                length = payload.Length;
            }

            return true;
        }
        catch (ProtocolFormatException)
        {
            message = default!;
            length = 0;
            return false;
        }
    }

    private sealed class Session : IDisposable
    {
        public Session(uint id, SpdmSessionTranscript transcript, SpdmHandshakeSecrets secrets)
        {
            Id = id;
            Transcript = transcript;
            Secrets = secrets;
            RequestHandshake = new SpdmSecuredDirection(secrets.RequestHandshakeSecret);
            ResponseHandshake = new SpdmSecuredDirection(secrets.ResponseHandshakeSecret);
        }

        public uint Id { get; }

        public SpdmSessionTranscript Transcript { get; }

        public SpdmHandshakeSecrets Secrets { get; }

        public SpdmSecuredDirection RequestHandshake { get; }

        public SpdmSecuredDirection ResponseHandshake { get; }

        public SpdmSecuredDirection? RequestData { get; private set; }

        public SpdmSecuredDirection? ResponseData { get; private set; }

        public bool Established { get; private set; }

        public bool PromoteAfterResponse { get; set; }

        public bool Ending { get; set; }

        public SpdmMeasurementTranscript Measurements { get; } = new();

        private SpdmApplicationSecrets? _application;

        public void DeriveApplicationKeys(byte[] th2) =>
            _application = SpdmKeySchedule.DeriveApplicationSecrets(Secrets.HandshakeSecret, th2);

        public void PromoteToApplicationKeys()
        {
            RequestData = new SpdmSecuredDirection(_application!.RequestDataSecret);
            ResponseData = new SpdmSecuredDirection(_application.ResponseDataSecret);
            Established = true;
            PromoteAfterResponse = false;
        }

        public void Dispose()
        {
            RequestHandshake.Dispose();
            ResponseHandshake.Dispose();
            RequestData?.Dispose();
            ResponseData?.Dispose();
        }
    }
}
