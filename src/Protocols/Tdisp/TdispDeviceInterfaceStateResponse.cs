using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>DEVICE_INTERFACE_STATE (PCIe §11.3.13): TDI_STATE u8.</summary>
public sealed class TdispDeviceInterfaceStateResponse : TdispMessage
{
    public TdispDeviceInterfaceStateResponse(TdispInterfaceId interfaceId, TdiState state, byte version = TdispHeader.Version10)
        : base(interfaceId, version) => State = state;

    public TdiState State { get; }

    public override TdispMessageType MessageType => TdispMessageType.DeviceInterfaceState;

    protected override int PayloadLength => 1;

    protected override void WritePayload(ref WireWriter writer) => writer.WriteByte((byte)State);

    internal static TdispDeviceInterfaceStateResponse ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var state = reader.ReadByte("TDI_STATE");
        if (state > (byte)TdiState.Error)
        {
            reader.Fail("TDI_STATE", $"{state} is not a TDI state (0..3)");
        }

        return new TdispDeviceInterfaceStateResponse(id, (TdiState)state, version);
    }
}
