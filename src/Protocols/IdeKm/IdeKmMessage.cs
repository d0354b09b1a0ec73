using System.Diagnostics;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.IdeKm;

/// <summary>
/// Base of the IDE_KM objects (PCIe §6.33.3). Encodings start at the Object ID: the Protocol ID byte (0x00) in
/// front of it belongs to the PCI-SIG vendor-defined envelope (<c>PciSigVendorDefined</c>), as in libspdm. So the
/// reference's byte n is byte n−1 here (KEY_PROG: 48 bytes with the Protocol ID, 47 without).
/// </summary>
public abstract class IdeKmMessage
{
    public abstract IdeKmObjectId ObjectId { get; }

    public abstract int EncodedLength { get; }

    public abstract void Write(ref WireWriter writer);

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        var writer = new WireWriter(bytes);
        Write(ref writer);
        Debug.Assert(writer.Position == bytes.Length, "EncodedLength disagrees with Write");
        return bytes;
    }

    /// <summary>Object ID of a message, or a format error when it is empty.</summary>
    public static IdeKmObjectId PeekObjectId(ReadOnlySpan<byte> message)
    {
        var reader = new WireReader(message, "IDE_KM");
        return (IdeKmObjectId)reader.ReadByte("ObjectID");
    }

    /// <summary>Decodes any IDE_KM object by its Object ID; each object has exactly its defined size.</summary>
    public static IdeKmMessage Decode(ReadOnlySpan<byte> message) => PeekObjectId(message) switch
    {
        IdeKmObjectId.Query => IdeKmQuery.Decode(message),
        IdeKmObjectId.QueryResp => IdeKmQueryResponse.Decode(message),
        IdeKmObjectId.KeyProg => IdeKmKeyProg.Decode(message),
        IdeKmObjectId.KpAck => IdeKmKpAck.Decode(message),
        IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop or IdeKmObjectId.KGoStopAck => IdeKmKeySetMessage.Decode(message),
        var other => throw new ProtocolFormatException("IDE_KM.ObjectID", $"0x{(byte)other:X2} is not an IDE_KM object"),
    };

    private protected static void ReadObjectId(ref WireReader reader, IdeKmObjectId expected)
    {
        var id = reader.ReadByte("ObjectID");
        if (id != (byte)expected)
        {
            reader.Fail("ObjectID", $"0x{id:X2} is not {expected} (0x{(byte)expected:X2})");
        }
    }
}
