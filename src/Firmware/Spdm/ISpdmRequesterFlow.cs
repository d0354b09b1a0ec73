namespace SevTio.Firmware.Spdm;

/// <summary>
/// A resumable requester: the PSP never talks to the device itself. It asks for the next request, returns it to the
/// host (SPDM_REQUEST), and when the host re-issues the command with the response, passes the response in.
/// <code>
/// while (flow.TryGetNextRequest(out var request)) { var response = relay(request); flow.Accept(response); }
/// if (flow.Status == SpdmFlowStatus.Failed) { /* flow.Failure names what failed → SPDM_ERROR */ }
/// </code>
/// </summary>
public interface ISpdmRequesterFlow
{
    SpdmFlowStatus Status { get; }

    SpdmFailure? Failure { get; }

    /// <summary>
    /// The request to send now, or false when the flow is complete or failed. Until <see cref="Accept"/> is called
    /// the same request is returned again (a secured request is sealed once: its sequence number is spent).
    /// </summary>
    bool TryGetNextRequest(out SpdmTransportMessage request);

    /// <summary>
    /// The response payload that came back for the outstanding request (DOE payload, padding allowed); an empty span
    /// means the device sent nothing. Returns the status after handling it.
    /// </summary>
    SpdmFlowStatus Accept(ReadOnlySpan<byte> response);
}
