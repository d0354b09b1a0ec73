using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary><c>p1_flags</c> of the device status (<c>SEV_TIO_DEV_STATUS_P1_FLAG_*</c>); bits 7:2 reserved.</summary>
[Flags]
public enum TioDeviceStatusP1Flags : byte
{
    None = 0,
    RequestPending = 1 << 0,
    RequestPendingTdi = 1 << 1,
}

/// <summary><c>p2_flags</c> of the device status (<c>SEV_TIO_DEV_STATUS_P2_FLAG_*</c>); bits 7:2 reserved.</summary>
[Flags]
public enum TioDeviceStatusP2Flags : byte
{
    None = 0,
    MeasurementDigestValid = 1 << 0,
    NoFirmwareUpdate = 1 << 1,
}

/// <summary>
/// The 160-byte structure TIO_DEV_STATUS writes (sev-dev-tio.c <c>struct sev_tio_dev_status</c>): length u32 @0,
/// ctx_state u8 @4, reserved @5, p1_flags @6, certs_slot @7, device_id u16 @8, segment_id @10, tc_mask @11,
/// request_pending_command u16 @12, reserved u16 @14, request_pending_interface_id[12] @16, p2_flags @28,
/// reserved[3] @29, ide_stream_id[8] @32, reserved[8] @40, certs_digest[48] @48, meas_digest[48] @96,
/// tdi_count u32 @144, bound_tdi_count u32 @148, algos[8] @152.
/// </summary>
public readonly record struct TioDeviceStatus(
    byte ContextState,
    TioDeviceStatusP1Flags P1Flags,
    byte CertificateSlot,
    ushort DeviceId,
    byte Segment,
    byte TrafficClassMask,
    ushort RequestPendingCommand,
    TdispInterfaceId RequestPendingInterfaceId,
    TioDeviceStatusP2Flags P2Flags,
    IdeStreamIds IdeStreamIds,
    Sha384Digest CertificatesDigest,
    Sha384Digest MeasurementsDigest,
    uint TdiCount,
    uint BoundTdiCount,
    TioSpdmAlgorithms Algorithms) : IPspOutputStructure<TioDeviceStatus>
{
    public const int Size = 160;

    private const string Message = "PSP.TIO_DEV_STATUS.status";

    static int IPspOutputStructure<TioDeviceStatus>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteByte(ContextState);
        writer.WriteZeros(1);
        writer.WriteByte((byte)P1Flags);
        writer.WriteByte(CertificateSlot);
        writer.WriteUInt16(DeviceId);
        writer.WriteByte(Segment);
        writer.WriteByte(TrafficClassMask);
        writer.WriteUInt16(RequestPendingCommand);
        writer.WriteZeros(2);
        RequestPendingInterfaceId.Write(ref writer);
        writer.WriteByte((byte)P2Flags);
        writer.WriteZeros(3);
        IdeStreamIds.CopyTo(writer.Reserve(IdeStreamIds.Length));
        writer.WriteZeros(8);
        CertificatesDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        MeasurementsDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        writer.WriteUInt32(TdiCount);
        writer.WriteUInt32(BoundTdiCount);
        Algorithms.Write(ref writer);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDeviceStatus Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var contextState = reader.ReadByte("ctx_state");
        WireChecks.ReadZeros(ref reader, 1, "reserved1");
        var p1 = reader.ReadByte("p1_flags");
        WireChecks.ReadReservedBits(ref reader, p1, 0xFC, "p1_flags");
        var certSlot = reader.ReadByte("certs_slot");
        var deviceId = reader.ReadUInt16("device_id");
        var segment = reader.ReadByte("segment_id");
        var tcMask = reader.ReadByte("tc_mask");
        var pendingCommand = reader.ReadUInt16("request_pending_command");
        WireChecks.ReadZeros(ref reader, 2, "reserved2");
        var pendingInterface = TdispInterfaceId.Read(ref reader, "request_pending_interface_id");
        var p2 = reader.ReadByte("p2_flags");
        WireChecks.ReadReservedBits(ref reader, p2, 0xFC, "p2_flags");
        WireChecks.ReadZeros(ref reader, 3, "reserved3");
        var ideStreamIds = IdeStreamIds.FromBytes(reader.ReadBytes(IdeStreamIds.Length, "ide_stream_id"));
        WireChecks.ReadZeros(ref reader, 8, "reserved4");
        var certsDigest = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "certs_digest"));
        var measDigest = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "meas_digest"));
        var tdiCount = reader.ReadUInt32("tdi_count");
        var boundTdiCount = reader.ReadUInt32("bound_tdi_count");
        var algorithms = TioSpdmAlgorithms.Read(ref reader, "algos");
        return new TioDeviceStatus(contextState, (TioDeviceStatusP1Flags)p1, certSlot, deviceId, segment, tcMask, pendingCommand, pendingInterface,
            (TioDeviceStatusP2Flags)p2, ideStreamIds, certsDigest, measDigest, tdiCount, boundTdiCount, algorithms);
    }
}
