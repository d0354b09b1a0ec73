using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>DEVICE_INTERFACE_REPORT (PCIe §11.3.11): PORTION_LENGTH u16, REMAINDER_LENGTH u16, PORTION_LENGTH bytes.</summary>
public sealed class TdispDeviceInterfaceReportResponse : TdispMessage
{
    public TdispDeviceInterfaceReportResponse(TdispInterfaceId interfaceId, byte[] portion, ushort remainderLength, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        ArgumentNullException.ThrowIfNull(portion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(portion.Length, ushort.MaxValue);
        Portion = portion;
        RemainderLength = remainderLength;
    }

    public byte[] Portion { get; }

    public ushort RemainderLength { get; }

    public override TdispMessageType MessageType => TdispMessageType.DeviceInterfaceReport;

    protected override int PayloadLength => 4 + Portion.Length;

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteUInt16((ushort)Portion.Length);
        writer.WriteUInt16(RemainderLength);
        writer.WriteBytes(Portion);
    }

    internal static TdispDeviceInterfaceReportResponse ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var portion = reader.ReadUInt16("PORTION_LENGTH");
        var remainder = reader.ReadUInt16("REMAINDER_LENGTH");
        var bytes = reader.ReadBytes(portion, "REPORT_BYTES").ToArray();
        return new TdispDeviceInterfaceReportResponse(id, bytes, remainder, version);
    }
}
