using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Doe;

/// <summary>
/// DOE Discovery response payload (PCIe §6.30.1.1): the protocol at the requested index (Vendor ID u16, Data Object
/// Type u8) and the next index to ask for, 0 after the last protocol.
/// </summary>
public readonly record struct DoeDiscoveryResponse(ushort VendorId, DoeDataObjectType DataObjectType, byte NextIndex)
{
    public const int Size = 4;

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var writer = new WireWriter(bytes);
        writer.WriteUInt16(VendorId);
        writer.WriteByte((byte)DataObjectType);
        writer.WriteByte(NextIndex);
        return bytes;
    }

    public static DoeDiscoveryResponse Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload, "DOE.DISCOVERY_RESPONSE");
        var vendor = reader.ReadUInt16("VendorID");
        var type = (DoeDataObjectType)reader.ReadByte("DataObjectType");
        var next = reader.ReadByte("NextIndex");
        reader.ExpectEnd();
        return new DoeDiscoveryResponse(vendor, type, next);
    }
}
