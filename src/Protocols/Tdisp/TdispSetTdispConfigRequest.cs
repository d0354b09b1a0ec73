using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>SET_TDISP_CONFIG_REQUEST (TDISP-XT ECN, in newer libspdm): DSM_CONFIG u32.</summary>
public sealed class TdispSetTdispConfigRequest : TdispMessage
{
    public TdispSetTdispConfigRequest(TdispInterfaceId interfaceId, uint dsmConfig, byte version = TdispHeader.Version10)
        : base(interfaceId, version) => DsmConfig = dsmConfig;

    public uint DsmConfig { get; }

    public override TdispMessageType MessageType => TdispMessageType.SetTdispConfigRequest;

    protected override int PayloadLength => 4;

    protected override void WritePayload(ref WireWriter writer) => writer.WriteUInt32(DsmConfig);
}
