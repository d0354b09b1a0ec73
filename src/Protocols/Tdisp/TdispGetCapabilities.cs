using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>GET_TDISP_CAPABILITIES: TSM_CAPS u32.</summary>
public sealed class TdispGetCapabilities : TdispMessage
{
    public TdispGetCapabilities(TdispInterfaceId interfaceId, uint tsmCaps, byte version = TdispHeader.Version10)
        : base(interfaceId, version) => TsmCaps = tsmCaps;

    public uint TsmCaps { get; }

    public override TdispMessageType MessageType => TdispMessageType.GetTdispCapabilities;

    protected override int PayloadLength => 4;

    protected override void WritePayload(ref WireWriter writer) => writer.WriteUInt32(TsmCaps);

    internal static TdispGetCapabilities ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version) =>
        new(id, reader.ReadUInt32("TSM_CAPS"), version);
}
