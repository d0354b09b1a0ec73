using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>Life of a requester-side session.</summary>
public enum SpdmSessionState
{
    Handshaking,
    Established,
    Ended,
    Failed,
}

/// <summary>
/// The requester's end of a secured session (DSP0277 over DOE): seals requests under the request-direction key and
/// opens responses under the response-direction key, each with its own implicit sequence number. A response that
/// does not authenticate (tampered, replayed, reordered) fails the session for good.
/// </summary>
public sealed class SpdmSession : IDisposable
{
    private SpdmSecuredDirection _request;
    private SpdmSecuredDirection _response;

    internal SpdmSession(uint sessionId, SpdmHandshakeSecrets secrets)
    {
        SessionId = sessionId;
        HandshakeSecrets = secrets;
        _request = new SpdmSecuredDirection(secrets.RequestHandshakeSecret);
        _response = new SpdmSecuredDirection(secrets.ResponseHandshakeSecret);
    }

    public uint SessionId { get; }

    public SpdmSessionState State { get; private set; } = SpdmSessionState.Handshaking;

    public SpdmFailure? Failure { get; private set; }

    /// <summary>Sequence number the next sealed request will use.</summary>
    public ulong RequestSequenceNumber => _request.SequenceNumber;

    /// <summary>Sequence number the next response must carry.</summary>
    public ulong ResponseSequenceNumber => _response.SequenceNumber;

    internal SpdmHandshakeSecrets HandshakeSecrets { get; }

    /// <summary>Seals an SPDM request into a secured record (DOE type 2).</summary>
    public SpdmTransportMessage SealRequest(ReadOnlySpan<byte> spdmRequest)
    {
        if (State is SpdmSessionState.Ended or SpdmSessionState.Failed)
        {
            throw new InvalidOperationException($"session 0x{SessionId:X8} is {State}");
        }

        return new SpdmTransportMessage(DoeDataObjectType.SecuredSpdm, _request.Seal(SessionId, spdmRequest));
    }

    /// <summary>
    /// Opens a secured response (DOE type-2 payload, padding allowed). On failure the session is failed and
    /// <see cref="Failure"/> says why.
    /// </summary>
    public bool TryOpenResponse(ReadOnlySpan<byte> payload, out byte[] spdmResponse)
    {
        spdmResponse = [];
        if (State is SpdmSessionState.Ended or SpdmSessionState.Failed)
        {
            return false;
        }

        SecuredMessageRecord record;
        try
        {
            record = SecuredMessageRecord.Decode(payload, allowDoePadding: true);
        }
        catch (ProtocolFormatException e)
        {
            Fail(new SpdmFailure(SpdmFailureReason.MalformedResponse, e.Message));
            return false;
        }

        if (record.SessionId != SessionId)
        {
            Fail(new SpdmFailure(SpdmFailureReason.SessionIdMismatch, $"response for session 0x{record.SessionId:X8}, expected 0x{SessionId:X8}"));
            return false;
        }

        if (!_response.TryOpen(record, out spdmResponse))
        {
            Fail(new SpdmFailure(
                SpdmFailureReason.DecryptFailed,
                $"secured response does not authenticate as sequence number {_response.SequenceNumber} of session 0x{SessionId:X8} (tampered, replayed or reordered)"));
            return false;
        }

        return true;
    }

    internal void Establish(SpdmApplicationSecrets secrets)
    {
        _request.Dispose();
        _response.Dispose();
        _request = new SpdmSecuredDirection(secrets.RequestDataSecret);
        _response = new SpdmSecuredDirection(secrets.ResponseDataSecret);
        State = SpdmSessionState.Established;
    }

    internal void Fail(SpdmFailure failure)
    {
        if (State != SpdmSessionState.Failed)
        {
            Failure = failure;
            State = SpdmSessionState.Failed;
        }
    }

    internal void End() => State = SpdmSessionState.Ended;

    public void Dispose()
    {
        _request.Dispose();
        _response.Dispose();
    }
}
