using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>Flags word of <see cref="TioStatus"/>; bits 31:2 reserved (Linux fails TIO init if any is set).</summary>
[Flags]
public enum TioStatusFlags : uint
{
    None = 0,

    /// <summary><c>tio_en</c>: SNP_INIT_EX initialised the RMP for SEV-TIO.</summary>
    TioEnabled = 1u << 0,

    /// <summary><c>tio_init_done</c>: TIO_INIT has run.</summary>
    TioInitDone = 1u << 1,
}

/// <summary>
/// The 64-byte page TIO_STATUS writes (sev-dev-tio.h <c>struct sev_tio_status</c>): length u32 @0, flags u32 @4,
/// then u32 min/max sizes of the SPDM request @8/@12, scratch @16/@20, output @24/@28 and response @32/@36 buffers,
/// devctx_size @40, tdictx_size @44, tio_crypto_alg @48, reserved 12 @52.
/// </summary>
public readonly record struct TioStatus(
    TioStatusFlags Flags,
    uint SpdmRequestSizeMin,
    uint SpdmRequestSizeMax,
    uint SpdmScratchSizeMin,
    uint SpdmScratchSizeMax,
    uint SpdmOutputSizeMin,
    uint SpdmOutputSizeMax,
    uint SpdmResponseSizeMin,
    uint SpdmResponseSizeMax,
    uint DeviceContextSize,
    uint TdiContextSize,
    uint CryptoAlgorithms) : IPspOutputStructure<TioStatus>
{
    public const int Size = 64;

    private const string Message = "PSP.TIO_STATUS.status";

    static int IPspOutputStructure<TioStatus>.EncodedSize => Size;

    public bool TioEnabled => (Flags & TioStatusFlags.TioEnabled) != 0;

    public bool TioInitDone => (Flags & TioStatusFlags.TioInitDone) != 0;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteUInt32((uint)Flags);
        writer.WriteUInt32(SpdmRequestSizeMin);
        writer.WriteUInt32(SpdmRequestSizeMax);
        writer.WriteUInt32(SpdmScratchSizeMin);
        writer.WriteUInt32(SpdmScratchSizeMax);
        writer.WriteUInt32(SpdmOutputSizeMin);
        writer.WriteUInt32(SpdmOutputSizeMax);
        writer.WriteUInt32(SpdmResponseSizeMin);
        writer.WriteUInt32(SpdmResponseSizeMax);
        writer.WriteUInt32(DeviceContextSize);
        writer.WriteUInt32(TdiContextSize);
        writer.WriteUInt32(CryptoAlgorithms);
        writer.WriteZeros(12);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioStatus Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var flags = reader.ReadUInt32("flags");
        WireChecks.ReadReservedBits(ref reader, flags, 0xFFFF_FFFC, "flags");
        var status = new TioStatus(
            (TioStatusFlags)flags,
            reader.ReadUInt32("spdm_req_size_min"),
            reader.ReadUInt32("spdm_req_size_max"),
            reader.ReadUInt32("spdm_scratch_size_min"),
            reader.ReadUInt32("spdm_scratch_size_max"),
            reader.ReadUInt32("spdm_out_size_min"),
            reader.ReadUInt32("spdm_out_size_max"),
            reader.ReadUInt32("spdm_rsp_size_min"),
            reader.ReadUInt32("spdm_rsp_size_max"),
            reader.ReadUInt32("devctx_size"),
            reader.ReadUInt32("tdictx_size"),
            reader.ReadUInt32("tio_crypto_alg"));
        WireChecks.ReadZeros(ref reader, 12, "reserved2");
        return status;
    }
}
