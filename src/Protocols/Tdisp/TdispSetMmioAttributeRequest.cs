using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>SET_MMIO_ATTRIBUTE_REQUEST (optional, PCIe §11.3.19): one 16-byte MMIO range.</summary>
public sealed class TdispSetMmioAttributeRequest : TdispMessage
{
    public TdispSetMmioAttributeRequest(TdispInterfaceId interfaceId, TdispMmioRange range, byte version = TdispHeader.Version10)
        : base(interfaceId, version) => Range = range;

    public TdispMmioRange Range { get; }

    public override TdispMessageType MessageType => TdispMessageType.SetMmioAttributeRequest;

    protected override int PayloadLength => TdispMmioRange.Size;

    protected override void WritePayload(ref WireWriter writer) => Range.Write(ref writer);
}
