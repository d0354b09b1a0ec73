using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>
/// K_SET_GO, K_SET_STOP and K_GOSTOP_ACK, which share one layout: Object ID, 2 reserved, StreamID, reserved,
/// KeyInfo, PortIndex (8 bytes with the Protocol ID). The ACK echoes the request's fields.
/// </summary>
public sealed class IdeKmKeySetMessage : IdeKmMessage
{
    public const string Name = "IDE_KM.K_SET";

    public const int Size = 7;

    public IdeKmKeySetMessage(IdeKmObjectId objectId, byte streamId, IdeKmKeyInfo keyInfo, byte portIndex)
    {
        if (objectId is not (IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop or IdeKmObjectId.KGoStopAck))
        {
            throw new ArgumentException($"{objectId} is not K_SET_GO, K_SET_STOP or K_GOSTOP_ACK", nameof(objectId));
        }

        ObjectIdValue = objectId;
        StreamId = streamId;
        KeyInfo = keyInfo;
        PortIndex = portIndex;
    }

    public byte StreamId { get; }

    public IdeKmKeyInfo KeyInfo { get; }

    public byte PortIndex { get; }

    public override IdeKmObjectId ObjectId => ObjectIdValue;

    public override int EncodedLength => Size;

    private IdeKmObjectId ObjectIdValue { get; }

    public override void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)ObjectId);
        writer.WriteZeros(2);
        writer.WriteByte(StreamId);
        writer.WriteByte(0);
        writer.WriteByte(KeyInfo.ToByte());
        writer.WriteByte(PortIndex);
    }

    public static new IdeKmKeySetMessage Decode(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, Name);
        var id = (IdeKmObjectId)reader.ReadByte("ObjectID");
        if (id is not (IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop or IdeKmObjectId.KGoStopAck))
        {
            reader.Fail("ObjectID", $"0x{(byte)id:X2} is not K_SET_GO, K_SET_STOP or K_GOSTOP_ACK");
        }

        reader.Skip(2, "Reserved");
        var stream = reader.ReadByte("StreamID");
        reader.Skip(1, "Reserved");
        var info = IdeKmKeyInfo.FromByte(reader.ReadByte("KeyInfo"));
        var port = reader.ReadByte("PortIndex");
        reader.ExpectEnd();
        return new IdeKmKeySetMessage(id, stream, info, port);
    }
}
