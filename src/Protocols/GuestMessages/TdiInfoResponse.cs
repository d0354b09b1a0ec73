using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// TIO_MSG_TDI_INFO_RSP (type 20), 192 bytes (seed <c>struct tio_msg_tdi_info_rsp</c>): response prefix (16),
/// u32 measurement flags @16 (b0 valid, b1 fresh), u32 TDISP lock flags @20, spdm_algos u64 @24,
/// certs_digest[48] @32, meas_digest[48] @80, interface_report_digest[48] @128, tdi_report_count u64 @176,
/// reserved u64 @184.
/// </summary>
public readonly record struct TdiInfoResponse(
    ulong TdiId,
    TdiBindStatus Status,
    TioMeasurementFlags MeasurementFlags,
    TdispLockFlags LockFlags,
    TioSpdmAlgorithms Algorithms,
    Sha384Digest CertificatesDigest,
    Sha384Digest MeasurementsDigest,
    Sha384Digest InterfaceReportDigest,
    ulong ReportCount) : ITioGuestMessage<TdiInfoResponse>
{
    public const int Size = 192;

    private const string Message = "TIO_MSG_TDI_INFO_RSP";

    public static SnpGuestMessageType MessageType => SnpGuestMessageType.TioTdiInfoResponse;

    static int ITioGuestMessage<TdiInfoResponse>.EncodedSize => Size;

    /// <summary>System cache line size the TDI was locked with (lock flag b1: 0 = 64, 1 = 128).</summary>
    public ushort CacheLineSize => (LockFlags & TdispLockFlags.CacheLineSize128) != 0 ? TsmConstants.CacheLine128 : TsmConstants.CacheLine64;

    public int Encode(Span<byte> destination, TioMessageVersion version)
    {
        var writer = TioMessagePrefix.BeginEncode(destination, Size, version);
        TioMessagePrefix.WriteResponse(ref writer, version, TdiId, (ushort)Status);
        writer.WriteUInt32((uint)MeasurementFlags);
        writer.WriteUInt32((uint)LockFlags);
        Algorithms.Write(ref writer);
        CertificatesDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        MeasurementsDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        InterfaceReportDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        writer.WriteUInt64(ReportCount);
        writer.WriteZeros(8);
        return Size;
    }

    public static TdiInfoResponse Decode(ReadOnlySpan<byte> source, TioMessageVersion version)
    {
        var reader = TioMessagePrefix.BeginDecode(source, Message, version);
        var id = TioMessagePrefix.ReadResponse(ref reader, version, out var status);
        if (status > (ushort)TdiBindStatus.Unbound)
        {
            reader.Fail("status", $"{status} is not BOUND, INVALID or UNBOUND");
        }

        var measurement = reader.ReadUInt32("meas_flags");
        WireChecks.ReadReservedBits(ref reader, measurement, 0xFFFF_FFFC, "meas_flags");
        var lockFlags = reader.ReadUInt32("tdisp_lock_flags");
        WireChecks.ReadReservedBits(ref reader, lockFlags, ~(ulong)TdispLockFlagBits.Defined & 0xFFFF_FFFF, "tdisp_lock_flags");
        var algorithms = TioSpdmAlgorithms.Read(ref reader, "spdm_algos");
        var certs = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "certs_digest"));
        var meas = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "meas_digest"));
        var report = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "interface_report_digest"));
        var count = reader.ReadUInt64("tdi_report_count");
        WireChecks.ReadZeros(ref reader, 8, "reserved4");
        reader.ExpectEnd();
        return new TdiInfoResponse(id, (TdiBindStatus)status, (TioMeasurementFlags)measurement, (TdispLockFlags)lockFlags, algorithms, certs, meas, report, count);
    }
}
