using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>QUERY: Object ID, Reserved, PortIndex (4 bytes with the Protocol ID).</summary>
public sealed class IdeKmQuery : IdeKmMessage
{
    public const string Name = "IDE_KM.QUERY";

    public const int Size = 3;

    public IdeKmQuery(byte portIndex) => PortIndex = portIndex;

    public byte PortIndex { get; }

    public override IdeKmObjectId ObjectId => IdeKmObjectId.Query;

    public override int EncodedLength => Size;

    public override void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)ObjectId);
        writer.WriteByte(0);
        writer.WriteByte(PortIndex);
    }

    public static new IdeKmQuery Decode(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, Name);
        ReadObjectId(ref reader, IdeKmObjectId.Query);
        reader.Skip(1, "Reserved");
        var port = reader.ReadByte("PortIndex");
        reader.ExpectEnd();
        return new IdeKmQuery(port);
    }
}
