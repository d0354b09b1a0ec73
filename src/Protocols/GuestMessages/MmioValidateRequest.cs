using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>Flags u16 of TIO_MSG_MMIO_VALIDATE_REQ; bits 15:2 reserved.</summary>
[Flags]
public enum MmioValidateFlags : ushort
{
    None = 0,

    /// <summary><c>validated</c>: the RMP.Validated value wanted for the subrange (1 validate, 0 invalidate).</summary>
    Validated = 1 << 0,

    /// <summary><c>force_validated</c>: set the value even if the subrange is not uniform (0: fail with NOT_UNIFORM).</summary>
    ForceValidated = 1 << 1,
}

/// <summary>
/// TIO_MSG_MMIO_VALIDATE_REQ (type 21), 48 bytes (seed <c>struct tio_msg_mmio_validate_req</c>): request prefix (16),
/// subrange_base u64 @16 (GPA; later snapshots: page number), subrange_page_count u32 @24, range_offset u32 @28,
/// flags u16 @32, range_id u16 @34, reserved 12 @36.
/// </summary>
public readonly record struct MmioValidateRequest(
    ulong TdiId,
    ulong SubrangeBase,
    uint SubrangePageCount,
    uint RangeOffset,
    MmioValidateFlags Flags,
    ushort RangeId) : ITioGuestMessage<MmioValidateRequest>
{
    public const int Size = 48;

    private const string Message = "TIO_MSG_MMIO_VALIDATE_REQ";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioMmioValidateRequest;

    static int ITioGuestMessage<MmioValidateRequest>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteRequest(ref writer, version, TdiId);
        writer.WriteUInt64(SubrangeBase);
        writer.WriteUInt32(SubrangePageCount);
        writer.WriteUInt32(RangeOffset);
        writer.WriteUInt16((ushort)Flags);
        writer.WriteUInt16(RangeId);
        writer.WriteZeros(12);
        return Size;
    }

    public static MmioValidateRequest Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadRequest(ref reader, version);
        var subrangeBase = reader.ReadUInt64("subrange_base");
        var pageCount = reader.ReadUInt32("subrange_page_count");
        var rangeOffset = reader.ReadUInt32("range_offset");
        var flags = reader.ReadUInt16("flags");
        WireChecks.ReadReservedBits(ref reader, flags, 0xFFFC, "flags");
        var rangeId = reader.ReadUInt16("range_id");
        WireChecks.ReadZeros(ref reader, 12, "reserved4");
        reader.ExpectEnd();
        return new MmioValidateRequest(id, subrangeBase, pageCount, rangeOffset, (MmioValidateFlags)flags, rangeId);
    }
}
