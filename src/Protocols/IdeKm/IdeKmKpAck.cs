using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>KP_ACK: Object ID, 2 reserved, StreamID, Status, KeyInfo, PortIndex (8 bytes with the Protocol ID).</summary>
public sealed class IdeKmKpAck : IdeKmMessage
{
    public const string Name = "IDE_KM.KP_ACK";

    public const int Size = 7;

    public IdeKmKpAck(byte streamId, IdeKmKpAckStatus status, IdeKmKeyInfo keyInfo, byte portIndex)
    {
        StreamId = streamId;
        Status = status;
        KeyInfo = keyInfo;
        PortIndex = portIndex;
    }

    public byte StreamId { get; }

    public IdeKmKpAckStatus Status { get; }

    public IdeKmKeyInfo KeyInfo { get; }

    public byte PortIndex { get; }

    public override IdeKmObjectId ObjectId => IdeKmObjectId.KpAck;

    public override int EncodedLength => Size;

    public override void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)ObjectId);
        writer.WriteZeros(2);
        writer.WriteByte(StreamId);
        writer.WriteByte((byte)Status);
        writer.WriteByte(KeyInfo.ToByte());
        writer.WriteByte(PortIndex);
    }

    public static new IdeKmKpAck Decode(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, Name);
        ReadObjectId(ref reader, IdeKmObjectId.KpAck);
        reader.Skip(2, "Reserved");
        var stream = reader.ReadByte("StreamID");
        var status = (IdeKmKpAckStatus)reader.ReadByte("Status");
        var info = IdeKmKeyInfo.FromByte(reader.ReadByte("KeyInfo"));
        var port = reader.ReadByte("PortIndex");
        reader.ExpectEnd();
        return new IdeKmKpAck(stream, status, info, port);
    }
}
