using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_MMIO_VALIDATE_RSP (type 22), 48 bytes (seed <c>struct tio_msg_mmio_validate_rsp</c>): response prefix
/// (16), subrange_base u64 @16, subrange_page_count u32 @24, range_offset u32 @28, flags u16 @32 (b0 changed),
/// range_id u16 @34, reserved 12 @36.
/// </summary>
/// <param name="Changed">RMP.Validated of some page changed because of this request.</param>
public readonly record struct MmioValidateResponse(
    ulong TdiId,
    MmioValidateStatus Status,
    ulong SubrangeBase,
    uint SubrangePageCount,
    uint RangeOffset,
    bool Changed,
    ushort RangeId) : ITioGuestMessage<MmioValidateResponse>
{
    public const int Size = 48;

    private const string Message = "TIO_MSG_MMIO_VALIDATE_RSP";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioMmioValidateResponse;

    static int ITioGuestMessage<MmioValidateResponse>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteResponse(ref writer, version, TdiId, (ushort)Status);
        writer.WriteUInt64(SubrangeBase);
        writer.WriteUInt32(SubrangePageCount);
        writer.WriteUInt32(RangeOffset);
        writer.WriteUInt16(Changed ? (ushort)1 : (ushort)0);
        writer.WriteUInt16(RangeId);
        writer.WriteZeros(12);
        return Size;
    }

    public static MmioValidateResponse Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadResponse(ref reader, version, out var status);
        if (status > (ushort)MmioValidateStatus.Not4K)
        {
            reader.Fail("status", $"{status} is not an MMIO_VALIDATE status (0..10)");
        }

        var subrangeBase = reader.ReadUInt64("subrange_base");
        var pageCount = reader.ReadUInt32("subrange_page_count");
        var rangeOffset = reader.ReadUInt32("range_offset");
        var flags = reader.ReadUInt16("flags");
        WireChecks.ReadReservedBits(ref reader, flags, 0xFFFE, "flags");
        var rangeId = reader.ReadUInt16("range_id");
        WireChecks.ReadZeros(ref reader, 12, "reserved3");
        reader.ExpectEnd();
        return new MmioValidateResponse(id, (MmioValidateStatus)status, subrangeBase, pageCount, rangeOffset, flags != 0, rangeId);
    }
}
