using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>BIND_P2P_STREAM_REQUEST / UNBIND_P2P_STREAM_REQUEST (optional, PCIe §11.3.17–18): P2P_STREAM_ID u8.</summary>
public sealed class TdispP2pStreamRequest : TdispMessage
{
    public TdispP2pStreamRequest(TdispMessageType messageType, TdispInterfaceId interfaceId, byte streamId, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        if (messageType is not (TdispMessageType.BindP2pStreamRequest or TdispMessageType.UnbindP2pStreamRequest))
        {
            throw new ArgumentException($"{messageType} is not a P2P stream request", nameof(messageType));
        }

        MessageTypeValue = messageType;
        StreamId = streamId;
    }

    public byte StreamId { get; }

    public override TdispMessageType MessageType => MessageTypeValue;

    protected override int PayloadLength => 1;

    private TdispMessageType MessageTypeValue { get; }

    protected override void WritePayload(ref WireWriter writer) => writer.WriteByte(StreamId);
}
