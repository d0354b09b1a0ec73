using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Doe;

/// <summary>
/// A whole DOE data object: header plus a payload padded with zeros to a DW boundary (the mailbox moves DWs only;
/// the padding follows libspdm's PCI DOE transport). The protocol inside must know its own length.
/// </summary>
public static class DoeDataObject
{
    /// <summary>Builds a PCI-SIG data object of <paramref name="type"/> around <paramref name="payload"/>.</summary>
    public static byte[] Encode(DoeDataObjectType type, ReadOnlySpan<byte> payload)
    {
        var paddedPayload = (payload.Length + 3) & ~3;
        var lengthDw = (DoeDataObjectHeader.Size + paddedPayload) / 4;
        if (lengthDw > DoeDataObjectHeader.MaxLengthDw)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds the 1 MiB DOE object limit", nameof(payload));
        }

        var bytes = new byte[lengthDw * 4];
        var writer = new WireWriter(bytes);
        new DoeDataObjectHeader(DoeDataObjectHeader.PciSigVendorId, type, lengthDw).Write(ref writer);
        writer.WriteBytes(payload);
        return bytes;
    }

    /// <summary>
    /// Parses a data object exactly as the mailbox delivered it: the Length field must match the bytes received.
    /// Returns the header; <paramref name="payload"/> is everything after it, padding included.
    /// </summary>
    public static DoeDataObjectHeader Decode(ReadOnlySpan<byte> dataObject, out ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(dataObject, "DOE");
        var header = DoeDataObjectHeader.Read(ref reader);
        if ((dataObject.Length & 3) != 0)
        {
            reader.Fail("Length", $"object of {dataObject.Length} bytes is not a whole number of DW");
        }

        if (header.LengthBytes != dataObject.Length)
        {
            reader.Fail("Length", $"header says {header.LengthDw} DW, the object holds {dataObject.Length / 4} DW");
        }

        payload = reader.RemainingBytes;
        return header;
    }
}
