using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_MMIO_CONFIG_REQ (type 23), 16 bytes (AMDESE tio.c <c>struct tio_msg_mmio_config_req</c>, compiled out in
/// the seed): guest_device_id u16 @0, reserved u16 @2, u32 @4 {b2 is_non_tee_mem, b31:16 range_id, other bits
/// reserved}, u32 @8 {b0 write (0 read, 1 write)}, reserved 4 @12. Only a version-1 layout is known.
/// </summary>
public readonly record struct MmioConfigRequest(
    ulong TdiId,
    bool NonTeeMemory,
    ushort RangeId,
    bool Write) : ITioGuestMessage<MmioConfigRequest>
{
    public const int Size = 16;

    private const string Message = "TIO_MSG_MMIO_CONFIG_REQ";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioMmioConfigRequest;

    static int ITioGuestMessage<MmioConfigRequest>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        MmioConfigLayout.RequireV1(version);
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        writer.WriteUInt16(MmioConfigLayout.CheckId(TdiId));
        writer.WriteZeros(2);
        writer.WriteUInt32((NonTeeMemory ? (uint)MmioConfigAttributes.NonTeeMemory : 0) | ((uint)RangeId << 16));
        writer.WriteUInt32(Write ? 1u : 0u);
        writer.WriteZeros(4);
        return Size;
    }

    public static MmioConfigRequest Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        MmioConfigLayout.ReadV1(ref reader, version);
        var id = reader.ReadUInt16("guest_device_id");
        WireChecks.ReadZeros(ref reader, 2, "reserved1");
        var range = reader.ReadUInt32("range");
        WireChecks.ReadReservedBits(ref reader, range, 0x0000_FFFB, "range");
        var write = reader.ReadUInt32("write");
        WireChecks.ReadReservedBits(ref reader, write, 0xFFFF_FFFE, "write");
        WireChecks.ReadZeros(ref reader, 4, "reserved5");
        reader.ExpectEnd();
        return new MmioConfigRequest(id, (range & (uint)MmioConfigAttributes.NonTeeMemory) != 0, (ushort)(range >> 16), write != 0);
    }
}
