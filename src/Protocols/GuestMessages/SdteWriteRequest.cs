using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_SDTE_WRITE_REQ (type 25), 80 bytes (seed <c>struct tio_msg_sdte_write_req</c>): request prefix (16) and the
/// 64-byte sDTE image @16. An all-zero image clears the sDTE (unlock); the PSP copies only the guest-writable fields
/// (V, IR, IW, VMPL, vTOM_EN, vTOM).
/// </summary>
public readonly record struct SdteWriteRequest(ulong TdiId, SecureDeviceTableEntryImage Sdte) : ITioGuestMessage<SdteWriteRequest>
{
    public const int Size = 80;

    private const string Message = "TIO_MSG_SDTE_WRITE_REQ";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioSdteWriteRequest;

    static int ITioGuestMessage<SdteWriteRequest>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteRequest(ref writer, version, TdiId);
        Sdte.CopyTo(writer.Reserve(SecureDeviceTableEntryImage.Length));
        return Size;
    }

    public static SdteWriteRequest Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadRequest(ref reader, version);
        var sdte = SecureDeviceTableEntryImage.FromBytes(reader.ReadBytes(SecureDeviceTableEntryImage.Length, "sdte"));
        reader.ExpectEnd();
        return new SdteWriteRequest(id, sdte);
    }
}
