using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>GET_DEVICE_INTERFACE_REPORT (PCIe §11.3.10): OFFSET u16, LENGTH u16 (0xFFFF = as much as fits).</summary>
public sealed class TdispGetDeviceInterfaceReport : TdispMessage
{
    public const ushort WholeReport = 0xFFFF;

    public TdispGetDeviceInterfaceReport(TdispInterfaceId interfaceId, ushort offset, ushort length, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        Offset = offset;
        Length = length;
    }

    public ushort Offset { get; }

    public ushort Length { get; }

    public override TdispMessageType MessageType => TdispMessageType.GetDeviceInterfaceReport;

    protected override int PayloadLength => 4;

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteUInt16(Offset);
        writer.WriteUInt16(Length);
    }

    internal static TdispGetDeviceInterfaceReport ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var offset = reader.ReadUInt16("OFFSET");
        var length = reader.ReadUInt16("LENGTH");
        return new TdispGetDeviceInterfaceReport(id, offset, length, version);
    }
}
