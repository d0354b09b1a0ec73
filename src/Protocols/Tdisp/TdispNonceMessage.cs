using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// LOCK_INTERFACE_RESPONSE and START_INTERFACE_REQUEST, which both carry START_INTERFACE_NONCE[32]: made by the
/// device at LOCK, returned by the TSM with START (PCIe §11.3.9, §11.3.14).
/// </summary>
public sealed class TdispNonceMessage : TdispMessage
{
    public const int NonceSize = 32;

    public TdispNonceMessage(TdispMessageType messageType, TdispInterfaceId interfaceId, byte[] nonce, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        if (messageType is not (TdispMessageType.LockInterfaceResponse or TdispMessageType.StartInterfaceRequest))
        {
            throw new ArgumentException($"{messageType} carries no start nonce", nameof(messageType));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("START_INTERFACE_NONCE is 32 bytes", nameof(nonce));
        }

        MessageTypeValue = messageType;
        Nonce = nonce;
    }

    public byte[] Nonce { get; }

    public override TdispMessageType MessageType => MessageTypeValue;

    protected override int PayloadLength => NonceSize;

    private TdispMessageType MessageTypeValue { get; }

    protected override void WritePayload(ref WireWriter writer) => writer.WriteBytes(Nonce);
}
