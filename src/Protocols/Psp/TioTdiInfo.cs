using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// The 192-byte structure TIO_TDI_INFO writes (sev-dev-tio.c <c>struct sev_tio_tdi_info_data</c>): length u32 @0,
/// interface_id[12] @4, p1_flags u32 @16 (b0 meas digest valid, b1 fresh, b3:2 TDI status), p2_flags u32 @20 (TDISP
/// lock flags b4:0), spdm_algos u64 @24, certs_digest[48] @32, meas_digest[48] @80, interface_report_digest[48]
/// @128, intf_report_counter u64 @176, asid u32 @184, reserved 4 @188.
/// </summary>
/// <param name="TdiStatus">p1_flags b3:2; its encoding is not public (Linux does not read it), kept raw (0..3).</param>
/// <param name="Asid">ASID of the guest the TDI is assigned to (valid when bound).</param>
public readonly record struct TioTdiInfo(
    TdispInterfaceId InterfaceId,
    TioMeasurementFlags MeasurementFlags,
    byte TdiStatus,
    TdispLockFlags LockFlags,
    TioSpdmAlgorithms Algorithms,
    Sha384Digest CertificatesDigest,
    Sha384Digest MeasurementsDigest,
    Sha384Digest InterfaceReportDigest,
    ulong InterfaceReportCounter,
    uint Asid) : IPspOutputStructure<TioTdiInfo>
{
    public const int Size = 192;

    public const int TdiStatusShift = 2;

    private const string Message = "PSP.TIO_TDI_INFO.info";

    static int IPspOutputStructure<TioTdiInfo>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        if (TdiStatus > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(TdiStatus), TdiStatus, "a 2-bit field");
        }

        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        InterfaceId.Write(ref writer);
        writer.WriteUInt32((uint)MeasurementFlags | ((uint)TdiStatus << TdiStatusShift));
        writer.WriteUInt32((uint)LockFlags);
        Algorithms.Write(ref writer);
        CertificatesDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        MeasurementsDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        InterfaceReportDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        writer.WriteUInt64(InterfaceReportCounter);
        writer.WriteUInt32(Asid);
        writer.WriteZeros(4);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiInfo Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var interfaceId = TdispInterfaceId.Read(ref reader, "interface_id");
        var p1 = reader.ReadUInt32("p1_flags");
        WireChecks.ReadReservedBits(ref reader, p1, 0xFFFF_FFF0, "p1_flags");
        var p2 = reader.ReadUInt32("p2_flags");
        WireChecks.ReadReservedBits(ref reader, p2, ~(ulong)TdispLockFlagBits.Defined & 0xFFFF_FFFF, "p2_flags");
        var algorithms = TioSpdmAlgorithms.Read(ref reader, "spdm_algos");
        var certs = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "certs_digest"));
        var meas = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "meas_digest"));
        var report = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "interface_report_digest"));
        var counter = reader.ReadUInt64("intf_report_counter");
        var asid = reader.ReadUInt32("asid");
        WireChecks.ReadZeros(ref reader, 4, "reserved2");
        return new TioTdiInfo(interfaceId, (TioMeasurementFlags)(p1 & 3), (byte)((p1 >> TdiStatusShift) & 3), (TdispLockFlags)p2,
            algorithms, certs, meas, report, counter, asid);
    }
}
