using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// Base of the requester flows that run inside an established session (measurements, END_SESSION, IDE_KM, TDISP):
/// each request is sealed once, each response opened and checked, and an SPDM ERROR, a response that does not
/// authenticate or does not parse fails the flow. Queue-based flows go back to InProgress when work is added.
/// </summary>
public abstract class SpdmSessionFlow : ISpdmRequesterFlow
{
    private SpdmTransportMessage? _pending;

    protected SpdmSessionFlow(SpdmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
    }

    public SpdmSession Session { get; }

    public SpdmFlowStatus Status { get; private set; } = SpdmFlowStatus.InProgress;

    public SpdmFailure? Failure { get; private set; }

    /// <summary>The SPDM message (plaintext) of the outstanding request.</summary>
    protected byte[] PendingMessage { get; private set; } = [];

    protected abstract bool HasWork { get; }

    public bool TryGetNextRequest(out SpdmTransportMessage request)
    {
        request = default;
        if (Status == SpdmFlowStatus.Failed)
        {
            return false;
        }

        if (_pending is null)
        {
            if (!HasWork)
            {
                Status = SpdmFlowStatus.Completed;
                return false;
            }

            if (Session.State != SpdmSessionState.Established)
            {
                Fail(SpdmFailureReason.SessionNotEstablished, $"session 0x{Session.SessionId:X8} is {Session.State}");
                return false;
            }

            PendingMessage = BuildNextRequest();
            _pending = Session.SealRequest(PendingMessage);
        }

        Status = SpdmFlowStatus.InProgress;
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
            return Fail(SpdmFailureReason.NoResponse, $"no response to {DescribePending()}");
        }

        if (!Session.TryOpenResponse(response, out var message))
        {
            return Fail(Session.Failure!.Reason, Session.Failure.Detail);
        }

        try
        {
            var header = SpdmHeader.Peek(message);
            if (header.Code == SpdmRequestResponseCode.Error)
            {
                var error = SpdmErrorResponse.Decode(message);
                return Fail(SpdmFailureReason.ErrorResponse, $"ERROR {error.ErrorCode} (data 0x{error.ErrorData:X2}) to {DescribePending()}");
            }

            HandleResponse(message);
        }
        catch (ProtocolFormatException e)
        {
            return Fail(SpdmFailureReason.MalformedResponse, e.Message);
        }

        if (Status != SpdmFlowStatus.Failed)
        {
            Status = HasWork ? SpdmFlowStatus.InProgress : SpdmFlowStatus.Completed;
        }

        return Status;
    }

    /// <summary>The next SPDM request (plaintext); called only when <see cref="HasWork"/>.</summary>
    protected abstract byte[] BuildNextRequest();

    /// <summary>Handles the decrypted SPDM response to <see cref="PendingMessage"/> (never an ERROR).</summary>
    protected abstract void HandleResponse(byte[] message);

    protected virtual string DescribePending() => PendingMessage.Length >= 2
        ? ((SpdmRequestResponseCode)PendingMessage[1]).ToString()
        : "request";

    /// <summary>Marks work added to a completed queue-based flow.</summary>
    protected void Resume()
    {
        if (Status == SpdmFlowStatus.Completed)
        {
            Status = SpdmFlowStatus.InProgress;
        }
    }

    protected SpdmFlowStatus Fail(SpdmFailureReason reason, string detail)
    {
        Failure ??= new SpdmFailure(reason, detail);
        Status = SpdmFlowStatus.Failed;
        return Status;
    }
}
