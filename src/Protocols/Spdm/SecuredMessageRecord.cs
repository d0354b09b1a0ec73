using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// A DSP0277 secured message as carried by DOE (PCIe §6.31.4): SessionID u32, Length u16 (everything after it:
/// encrypted data and MAC), the encrypted data, and a 16-byte MAC. DOE carries no sequence number; both ends keep an
/// implicit 64-bit counter per direction. AAD = SessionID ‖ Length (the first 6 bytes).
/// </summary>
public readonly ref struct SecuredMessageRecord
{
    public const string Name = "SPDM.SecuredMessage";

    public const int HeaderSize = 6;

    public const int MacSize = 16;

    public SecuredMessageRecord(uint sessionId, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> cipherText, ReadOnlySpan<byte> mac, int length)
    {
        SessionId = sessionId;
        AssociatedData = associatedData;
        CipherText = cipherText;
        Mac = mac;
        Length = length;
    }

    public uint SessionId { get; }

    /// <summary>SessionID ‖ Length exactly as received.</summary>
    public ReadOnlySpan<byte> AssociatedData { get; }

    public ReadOnlySpan<byte> CipherText { get; }

    public ReadOnlySpan<byte> Mac { get; }

    /// <summary>Total record length: header + ciphertext + MAC (any DOE padding after it is not included).</summary>
    public int Length { get; }

    /// <summary>Reads the session id of a record without parsing the rest (routing to a session).</summary>
    public static uint PeekSessionId(ReadOnlySpan<byte> record)
    {
        var reader = new WireReader(record, Name);
        return reader.ReadUInt32("SessionID");
    }

    /// <summary>
    /// Parses a record. When <paramref name="allowDoePadding"/> is set, up to 3 bytes may follow the MAC to the DW
    /// boundary of the DOE object.
    /// </summary>
    public static SecuredMessageRecord Decode(ReadOnlySpan<byte> record, bool allowDoePadding)
    {
        var reader = new WireReader(record, Name);
        var sessionId = reader.ReadUInt32("SessionID");
        var length = reader.ReadUInt16("Length");
        if (length < MacSize)
        {
            reader.Fail("Length", $"{length} bytes cannot hold the 16-byte MAC");
        }

        var body = reader.ReadBytes(length - MacSize, "EncryptedData");
        var mac = reader.ReadBytes(MacSize, "MAC");
        var total = reader.Position;
        var trailing = record.Length - total;
        if (allowDoePadding ? record.Length != ((total + 3) & ~3) : trailing != 0)
        {
            reader.Fail("Length", $"{trailing} bytes follow the {total}-byte record");
        }

        return new SecuredMessageRecord(sessionId, record[..HeaderSize], body, mac, total);
    }

    /// <summary>Writes SessionID ‖ Length for a record of <paramref name="cipherTextLength"/> encrypted bytes.</summary>
    public static void WriteHeader(Span<byte> destination, uint sessionId, int cipherTextLength)
    {
        var writer = new WireWriter(destination);
        writer.WriteUInt32(sessionId);
        writer.WriteUInt16(checked((ushort)(cipherTextLength + MacSize)));
    }
}
