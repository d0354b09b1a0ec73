using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>TIO_MSG_SDTE_WRITE_RSP (type 26), 16 bytes (seed <c>struct tio_msg_sdte_write_rsp</c>): the response prefix.</summary>
public readonly record struct SdteWriteResponse(ulong TdiId, SdteWriteStatus Status) : ITioGuestMessage<SdteWriteResponse>
{
    public const int Size = 16;

    private const string Message = "TIO_MSG_SDTE_WRITE_RSP";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioSdteWriteResponse;

    static int ITioGuestMessage<SdteWriteResponse>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteResponse(ref writer, version, TdiId, (ushort)Status);
        return Size;
    }

    public static SdteWriteResponse Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadResponse(ref reader, version, out var status);
        if (status > (ushort)SdteWriteStatus.Reserved)
        {
            reader.Fail("status", $"{status} is not an SDTE_WRITE status (0..3)");
        }

        reader.ExpectEnd();
        return new SdteWriteResponse(id, (SdteWriteStatus)status);
    }
}
