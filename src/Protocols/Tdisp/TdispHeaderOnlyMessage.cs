using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// The TDISP messages that are the header alone: GET_TDISP_VERSION, GET_DEVICE_INTERFACE_STATE,
/// STOP_INTERFACE_REQUEST and the START, STOP, BIND_P2P, UNBIND_P2P, SET_MMIO_ATTRIBUTE and SET_TDISP_CONFIG responses.
/// </summary>
public sealed class TdispHeaderOnlyMessage : TdispMessage
{
    public TdispHeaderOnlyMessage(TdispMessageType messageType, TdispInterfaceId interfaceId, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        if (!IsHeaderOnly(messageType))
        {
            throw new ArgumentException($"{messageType} has a payload", nameof(messageType));
        }

        MessageTypeValue = messageType;
    }

    public override TdispMessageType MessageType => MessageTypeValue;

    protected override int PayloadLength => 0;

    private TdispMessageType MessageTypeValue { get; }

    public static bool IsHeaderOnly(TdispMessageType type) => type is TdispMessageType.GetTdispVersion
        or TdispMessageType.GetDeviceInterfaceState
        or TdispMessageType.StopInterfaceRequest
        or TdispMessageType.StartInterfaceResponse
        or TdispMessageType.StopInterfaceResponse
        or TdispMessageType.BindP2pStreamResponse
        or TdispMessageType.UnbindP2pStreamResponse
        or TdispMessageType.SetMmioAttributeResponse
        or TdispMessageType.SetTdispConfigResponse;

    protected override void WritePayload(ref WireWriter writer)
    {
    }
}
