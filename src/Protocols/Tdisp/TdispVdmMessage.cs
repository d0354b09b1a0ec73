using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>VDM_REQUEST / VDM_RESPONSE (PCIe §11.3.20): REGISTRY_ID u8, VENDOR_ID_LEN u8, VENDOR_ID, vendor data (the rest).</summary>
public sealed class TdispVdmMessage : TdispMessage
{
    public TdispVdmMessage(TdispMessageType messageType, TdispInterfaceId interfaceId, byte registryId, byte[] vendorId, byte[] data, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        ArgumentNullException.ThrowIfNull(vendorId);
        ArgumentNullException.ThrowIfNull(data);
        if (messageType is not (TdispMessageType.VdmRequest or TdispMessageType.VdmResponse))
        {
            throw new ArgumentException($"{messageType} is not a VDM message", nameof(messageType));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(vendorId.Length, byte.MaxValue);
        MessageTypeValue = messageType;
        RegistryId = registryId;
        VendorId = vendorId;
        Data = data;
    }

    public byte RegistryId { get; }

    public byte[] VendorId { get; }

    public byte[] Data { get; }

    public override TdispMessageType MessageType => MessageTypeValue;

    protected override int PayloadLength => 2 + VendorId.Length + Data.Length;

    private TdispMessageType MessageTypeValue { get; }

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteByte(RegistryId);
        writer.WriteByte((byte)VendorId.Length);
        writer.WriteBytes(VendorId);
        writer.WriteBytes(Data);
    }

    internal static TdispVdmMessage ReadPayload(ref WireReader reader, TdispMessageType type, TdispInterfaceId id, byte version)
    {
        var registry = reader.ReadByte("REGISTRY_ID");
        var len = reader.ReadByte("VENDOR_ID_LEN");
        var vendor = reader.ReadBytes(len, "VENDOR_ID").ToArray();
        var data = reader.ReadBytes(reader.Remaining, "VENDOR_DATA").ToArray();
        return new TdispVdmMessage(type, id, registry, vendor, data, version);
    }
}
