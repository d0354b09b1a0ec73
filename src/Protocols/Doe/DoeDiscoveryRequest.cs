using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Doe;

/// <summary>DOE Discovery request payload (PCIe §6.30.1.1): Index u8, 3 reserved bytes.</summary>
public readonly record struct DoeDiscoveryRequest(byte Index)
{
    public const int Size = 4;

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var writer = new WireWriter(bytes);
        writer.WriteByte(Index);
        writer.WriteZeros(3);
        return bytes;
    }

    public static DoeDiscoveryRequest Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload, "DOE.DISCOVERY_REQUEST");
        var index = reader.ReadByte("Index");
        reader.Skip(3, "Reserved");
        reader.ExpectEnd();
        return new DoeDiscoveryRequest(index);
    }
}
