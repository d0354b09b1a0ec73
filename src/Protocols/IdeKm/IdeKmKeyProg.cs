using System.Buffers.Binary;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>
/// KEY_PROG: Object ID, 2 reserved, StreamID, reserved, KeyInfo, PortIndex, Key (8 DW), IFV (2 DW); 48 bytes with
/// the Protocol ID. Byte order (intel/tee-io-validator key_byte_order.md, following PCIe Appendix L): the key goes
/// DW7 first and bits 31:24 of that DW hold AES key byte 0, so on the little-endian wire each 4-byte group of the key
/// appears reversed; the IFV goes high DW first (IV bytes 4..7), then the low DW (IV bytes 8..11), each a
/// little-endian u32 of the big-endian IV bytes.
/// </summary>
public sealed class IdeKmKeyProg : IdeKmMessage
{
    public const string Name = "IDE_KM.KEY_PROG";

    public const int Size = 47;

    public const int KeySize = 32;

    public IdeKmKeyProg(byte streamId, IdeKmKeyInfo keyInfo, byte portIndex, byte[] key, ulong initialCounter)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != KeySize)
        {
            throw new ArgumentException("an IDE key is 32 bytes (AES-256)", nameof(key));
        }

        StreamId = streamId;
        KeyInfo = keyInfo;
        PortIndex = portIndex;
        Key = key;
        InitialCounter = initialCounter;
    }

    public byte StreamId { get; }

    public IdeKmKeyInfo KeyInfo { get; }

    public byte PortIndex { get; }

    /// <summary>The AES-256 key in AES byte order (byte 0 first, as a crypto API takes it).</summary>
    public byte[] Key { get; }

    /// <summary>The IFV: IV bits 63:0 (IV bytes 4..11 read big-endian); 1 at setup and after every refresh.</summary>
    public ulong InitialCounter { get; }

    public override IdeKmObjectId ObjectId => IdeKmObjectId.KeyProg;

    public override int EncodedLength => Size;

    public override void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)ObjectId);
        writer.WriteZeros(2);
        writer.WriteByte(StreamId);
        writer.WriteByte(0);
        writer.WriteByte(KeyInfo.ToByte());
        writer.WriteByte(PortIndex);
        for (var i = 0; i < KeySize; i += 4)
        {
            // DW(7 - i/4): key bytes i..i+3 are bits 31:0 most significant first, so the LE DW carries them reversed.
            writer.WriteUInt32(BinaryPrimitives.ReadUInt32BigEndian(Key.AsSpan(i, 4)));
        }

        writer.WriteUInt32((uint)(InitialCounter >> 32));
        writer.WriteUInt32((uint)InitialCounter);
    }

    public static new IdeKmKeyProg Decode(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, Name);
        ReadObjectId(ref reader, IdeKmObjectId.KeyProg);
        reader.Skip(2, "Reserved");
        var stream = reader.ReadByte("StreamID");
        reader.Skip(1, "Reserved");
        var info = IdeKmKeyInfo.FromByte(reader.ReadByte("KeyInfo"));
        var port = reader.ReadByte("PortIndex");
        var key = new byte[KeySize];
        for (var i = 0; i < KeySize; i += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(i, 4), reader.ReadUInt32("Key"));
        }

        var high = reader.ReadUInt32("IFV");
        var low = reader.ReadUInt32("IFV");
        reader.ExpectEnd();
        return new IdeKmKeyProg(stream, info, port, key, ((ulong)high << 32) | low);
    }
}
