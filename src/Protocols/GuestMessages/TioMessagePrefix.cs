using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// The first 16 bytes of TIO_MSG_TDI_INFO/MMIO_VALIDATE/SDTE_WRITE payloads, which is where V1 and V2 differ.
/// Request: V1 u16 guest_device_id + 14 reserved; V2 u64 tdi_id + 8 reserved.
/// Response: V1 u16 guest_device_id, u16 status, 12 reserved; V2 u64 tdi_id, u16 status, 6 reserved.
/// </summary>
internal static class TioMessagePrefix
{
    public const int Size = 16;

    public static WireWriter BeginEncode(Span<byte> destination, int size, TioMessageVersion version)
    {
        CheckVersion(version);
        WireChecks.RequireDestination(destination, size);
        return new WireWriter(destination[..size]);
    }

    public static WireReader BeginDecode(ReadOnlySpan<byte> source, string message, TioMessageVersion version)
    {
        var reader = new WireReader(source, message);
        if (version is not (TioMessageVersion.V1 or TioMessageVersion.V2))
        {
            reader.Fail("msg_version", $"{(byte)version} is not a TIO message version (1, 2)");
        }

        return reader;
    }

    public static void WriteRequest(ref WireWriter writer, TioMessageVersion version, ulong tdiId)
    {
        if (version == TioMessageVersion.V1)
        {
            writer.WriteUInt16(CheckV1Id(tdiId));
            writer.WriteZeros(14);
        }
        else
        {
            writer.WriteUInt64(tdiId);
            writer.WriteZeros(8);
        }
    }

    public static ulong ReadRequest(ref WireReader reader, TioMessageVersion version)
    {
        if (version == TioMessageVersion.V1)
        {
            var id = reader.ReadUInt16("guest_device_id");
            WireChecks.ReadZeros(ref reader, 14, "reserved");
            return id;
        }

        var tdiId = reader.ReadUInt64("tdi_id");
        WireChecks.ReadZeros(ref reader, 8, "reserved");
        return tdiId;
    }

    public static void WriteResponse(ref WireWriter writer, TioMessageVersion version, ulong tdiId, ushort status)
    {
        if (version == TioMessageVersion.V1)
        {
            writer.WriteUInt16(CheckV1Id(tdiId));
            writer.WriteUInt16(status);
            writer.WriteZeros(12);
        }
        else
        {
            writer.WriteUInt64(tdiId);
            writer.WriteUInt16(status);
            writer.WriteZeros(6);
        }
    }

    public static ulong ReadResponse(ref WireReader reader, TioMessageVersion version, out ushort status)
    {
        if (version == TioMessageVersion.V1)
        {
            var id = reader.ReadUInt16("guest_device_id");
            status = reader.ReadUInt16("status");
            WireChecks.ReadZeros(ref reader, 12, "reserved1");
            return id;
        }

        var tdiId = reader.ReadUInt64("tdi_id");
        status = reader.ReadUInt16("status");
        WireChecks.ReadZeros(ref reader, 6, "reserved1");
        return tdiId;
    }

    public static void CheckVersion(TioMessageVersion version)
    {
        if (version is not (TioMessageVersion.V1 or TioMessageVersion.V2))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "TIO message version 1 or 2");
        }
    }

    private static ushort CheckV1Id(ulong tdiId)
    {
        if (tdiId > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(tdiId), tdiId, "a version-1 message carries a 16-bit guest_device_id");
        }

        return (ushort)tdiId;
    }
}
