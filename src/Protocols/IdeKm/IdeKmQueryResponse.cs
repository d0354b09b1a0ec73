using System.Buffers.Binary;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>
/// QUERY_RESP: Object ID, Reserved, PortIndex, Dev/Func (Function number if ARI), Bus, Segment, MaxPortIndex, then a
/// copy of the port's IDE Extended Capability from offset 04h: Capability, Control, one 8-byte Link block per Link
/// TC, and one Selective block (20 + 12·nAddr bytes) per Selective stream (PCIe §6.33.3, §7.9.26). The copy's length
/// is checked against its own Capability register and per-stream address-block counts.
/// </summary>
public sealed class IdeKmQueryResponse : IdeKmMessage
{
    public const string Name = "IDE_KM.QUERY_RESP";

    public IdeKmQueryResponse(byte portIndex, byte devFunc, byte bus, byte segment, byte maxPortIndex, byte[] ideCapability)
    {
        ArgumentNullException.ThrowIfNull(ideCapability);
        if (ideCapability.Length < 8)
        {
            throw new ArgumentException("the IDE capability copy holds at least Capability and Control", nameof(ideCapability));
        }

        PortIndex = portIndex;
        DevFunc = devFunc;
        Bus = bus;
        Segment = segment;
        MaxPortIndex = maxPortIndex;
        IdeCapability = ideCapability;
    }

    public byte PortIndex { get; }

    public byte DevFunc { get; }

    public byte Bus { get; }

    public byte Segment { get; }

    public byte MaxPortIndex { get; }

    /// <summary>The IDE Extended Capability from offset 04h (Capability register first), little-endian registers.</summary>
    public byte[] IdeCapability { get; }

    public uint CapabilityRegister => BinaryPrimitives.ReadUInt32LittleEndian(IdeCapability);

    public uint ControlRegister => BinaryPrimitives.ReadUInt32LittleEndian(IdeCapability.AsSpan(4));

    /// <summary>Supported algorithms, Capability bits 12:8 (0 = AES-GCM-256 with a 96-bit MAC).</summary>
    public int SupportedAlgorithms => (int)((CapabilityRegister >> 8) & 0x1F);

    public override IdeKmObjectId ObjectId => IdeKmObjectId.QueryResp;

    public override int EncodedLength => 7 + IdeCapability.Length;

    public override void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)ObjectId);
        writer.WriteByte(0);
        writer.WriteByte(PortIndex);
        writer.WriteByte(DevFunc);
        writer.WriteByte(Bus);
        writer.WriteByte(Segment);
        writer.WriteByte(MaxPortIndex);
        writer.WriteBytes(IdeCapability);
    }

    public static new IdeKmQueryResponse Decode(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, Name);
        ReadObjectId(ref reader, IdeKmObjectId.QueryResp);
        reader.Skip(1, "Reserved");
        var port = reader.ReadByte("PortIndex");
        var devFunc = reader.ReadByte("DevFuncNum");
        var bus = reader.ReadByte("BusNum");
        var segment = reader.ReadByte("Segment");
        var maxPort = reader.ReadByte("MaxPortIndex");
        var capStart = reader.Position;
        var cap = reader.ReadUInt32("IdeCapability.Capability");
        reader.Skip(4, "IdeCapability.Control");
        if ((cap & 1) != 0)
        {
            var linkTcs = (int)((cap >> 13) & 0x7) + 1;
            reader.Skip(8 * linkTcs, "IdeCapability.LinkBlock");
        }

        if ((cap & 2) != 0)
        {
            var streams = (int)((cap >> 16) & 0xFF) + 1;
            for (var i = 0; i < streams; i++)
            {
                var selCap = reader.ReadUInt32("IdeCapability.SelectiveBlock.Capability");
                var addressBlocks = (int)(selCap & 0xF);
                reader.Skip(16 + (12 * addressBlocks), "IdeCapability.SelectiveBlock");
            }
        }

        reader.ExpectEnd();
        return new IdeKmQueryResponse(port, devFunc, bus, segment, maxPort, message[capStart..].ToArray());
    }
}
