using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_MMIO_CONFIG_RSP (type 24), 16 bytes (AMDESE tio.c <c>struct tio_msg_mmio_config_rsp</c>):
/// guest_device_id u16 @0, status u16 @2, u32 @4 {b0 msix_table, b1 msix_pba, b2 is_non_tee_mem,
/// b3 is_mem_attr_updateable, b31:16 range_id}, u32 @8 {b0 write}, reserved 4 @12. The status codes are not public,
/// so <see cref="Status"/> stays raw.
/// </summary>
public readonly record struct MmioConfigResponse(
    ulong TdiId,
    ushort Status,
    MmioConfigAttributes Attributes,
    ushort RangeId,
    bool Write) : ITioGuestMessage<MmioConfigResponse>
{
    public const int Size = 16;

    private const string Message = "TIO_MSG_MMIO_CONFIG_RSP";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioMmioConfigResponse;

    static int ITioGuestMessage<MmioConfigResponse>.EncodedSize => Size;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        MmioConfigLayout.RequireV1(version);
        if (((uint)Attributes & ~0xFu) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Attributes), Attributes, "bits 3:0 only");
        }

        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        writer.WriteUInt16(MmioConfigLayout.CheckId(TdiId));
        writer.WriteUInt16(Status);
        writer.WriteUInt32((uint)Attributes | ((uint)RangeId << 16));
        writer.WriteUInt32(Write ? 1u : 0u);
        writer.WriteZeros(4);
        return Size;
    }

    public static MmioConfigResponse Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        MmioConfigLayout.ReadV1(ref reader, version);
        var id = reader.ReadUInt16("guest_device_id");
        var status = reader.ReadUInt16("status");
        var range = reader.ReadUInt32("range");
        WireChecks.ReadReservedBits(ref reader, range, 0x0000_FFF0, "range");
        var write = reader.ReadUInt32("write");
        WireChecks.ReadReservedBits(ref reader, write, 0xFFFF_FFFE, "write");
        WireChecks.ReadZeros(ref reader, 4, "reserved3");
        reader.ExpectEnd();
        return new MmioConfigResponse(id, status, (MmioConfigAttributes)(range & 0xF), (ushort)(range >> 16), write != 0);
    }
}

/// <summary>MMIO_CONFIG is known only in its version-1 layout (u16 guest_device_id, 4-byte prefix).</summary>
internal static class MmioConfigLayout
{
    public static void RequireV1(TioMessageVersion version)
    {
        if (version != TioMessageVersion.V1)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "TIO_MSG_MMIO_CONFIG has only a version-1 layout");
        }
    }

    public static void ReadV1(ref WireReader reader, TioMessageVersion version)
    {
        if (version != TioMessageVersion.V1)
        {
            reader.Fail("msg_version", $"TIO_MSG_MMIO_CONFIG has no version-{(byte)version} layout");
        }
    }

    public static ushort CheckId(ulong tdiId)
    {
        if (tdiId > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(tdiId), tdiId, "a 16-bit guest_device_id");
        }

        return (ushort)tdiId;
    }
}
