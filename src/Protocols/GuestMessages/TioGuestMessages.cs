namespace SevTio.Protocols.GuestMessages;

/// <summary>Per-type facts of the TIO guest messages, for a dispatcher that has only the header.</summary>
public static class TioGuestMessages
{
    /// <summary>Payload size (<c>msg_sz</c>) of a TIO message type, or 0 if the type is not a TIO message.</summary>
    public static int PayloadSizeOf(SnpGuestMessageType type) => type switch
    {
        SnpGuestMessageType.TioTdiInfoRequest => TdiInfoRequest.Size,
        SnpGuestMessageType.TioTdiInfoResponse => TdiInfoResponse.Size,
        SnpGuestMessageType.TioMmioValidateRequest => MmioValidateRequest.Size,
        SnpGuestMessageType.TioMmioValidateResponse => MmioValidateResponse.Size,
        SnpGuestMessageType.TioMmioConfigRequest => MmioConfigRequest.Size,
        SnpGuestMessageType.TioMmioConfigResponse => MmioConfigResponse.Size,
        SnpGuestMessageType.TioSdteWriteRequest => SdteWriteRequest.Size,
        SnpGuestMessageType.TioSdteWriteResponse => SdteWriteResponse.Size,
        _ => 0,
    };

    public static bool IsTioRequest(SnpGuestMessageType type) => type is
        SnpGuestMessageType.TioTdiInfoRequest or SnpGuestMessageType.TioMmioValidateRequest or
        SnpGuestMessageType.TioMmioConfigRequest or SnpGuestMessageType.TioSdteWriteRequest;

    /// <summary>The response type of a request type (request + 1).</summary>
    public static SnpGuestMessageType ResponseTypeOf(SnpGuestMessageType request) => (SnpGuestMessageType)((byte)request + 1);
}
