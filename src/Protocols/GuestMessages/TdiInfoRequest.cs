using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_TDI_INFO_REQ (type 19), 16 bytes (seed <c>struct tio_msg_tdi_info_req</c>).
/// </summary>
/// <param name="TdiId">V1: the guest's 16-bit device id (vBDF); V2: the firmware TDI id.</param>
public readonly record struct TdiInfoRequest(ulong TdiId) : ITioGuestMessage<TdiInfoRequest>
{
    public const int Size = 16;

    private const string Message = "TIO_MSG_TDI_INFO_REQ";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioTdiInfoRequest;

    static int ITioGuestMessage<TdiInfoRequest>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteRequest(ref writer, version, TdiId);
        return Size;
    }

    public static TdiInfoRequest Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadRequest(ref reader, version);
        reader.ExpectEnd();
        return new TdiInfoRequest(id);
    }
}
