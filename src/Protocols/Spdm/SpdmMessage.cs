using System.Diagnostics;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>Reads one message from a reader positioned at its first byte (used for DOE-padded payloads).</summary>
public delegate T SpdmMessageReader<out T>(ref WireReader reader);

/// <summary>
/// Base of every SPDM message codec. Encoding is the exact inverse of decoding: fields round-trip, reserved fields
/// are sent as zero and ignored on receipt.
/// </summary>
public abstract class SpdmMessage
{
    protected SpdmMessage(byte version) => Version = version;

    /// <summary>SPDMVersion of the header (0x12 for 1.2; GET_VERSION/VERSION always 0x10).</summary>
    public byte Version { get; }

    public abstract SpdmRequestResponseCode Code { get; }

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

    /// <summary>
    /// Decodes a message that arrived in a DOE data object, where up to 3 padding bytes follow it to the DW boundary
    /// (PCI DOE transport as in libspdm). <paramref name="length"/> is the message's own length: the bytes a
    /// transcript must hash.
    /// </summary>
    public static T DecodePadded<T>(ReadOnlySpan<byte> payload, string messageName, SpdmMessageReader<T> read, out int length)
    {
        var reader = new WireReader(payload, messageName);
        var message = read(ref reader);
        length = reader.Position;
        if (payload.Length != ((length + 3) & ~3))
        {
            reader.Fail("Length", $"{payload.Length - length} bytes follow a {length}-byte message; DOE padding is 0 to 3 bytes to the DW boundary");
        }

        return message;
    }

    /// <summary>Strict decode helper: the reader must be exactly at the end afterwards.</summary>
    protected static T DecodeExact<T>(ReadOnlySpan<byte> message, string messageName, SpdmMessageReader<T> read)
    {
        var reader = new WireReader(message, messageName);
        var result = read(ref reader);
        reader.ExpectEnd();
        return result;
    }

    protected void WriteHeader(ref WireWriter writer, byte param1, byte param2) =>
        new SpdmHeader(Version, Code, param1, param2).Write(ref writer);
}
