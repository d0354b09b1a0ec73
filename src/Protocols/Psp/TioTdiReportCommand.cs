using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_REPORT (0xDE) command buffer, 64 bytes (Linux <c>struct sev_data_tio_tdi_report</c>). Re-fetches the TDISP interface report (output object id 6).
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, spdm_ctrl @8, dev_ctx_sla @40, tdi_ctx_sla @48, gctx_paddr u64 @56.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="GuestContextAddress">System physical address of the SNP guest context page.</param>
public readonly record struct TioTdiReportCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong GuestContextAddress)
    : IPspCommandBuffer<TioTdiReportCommand>
{
    public const int Size = 64;

    private const string Message = "PSP.TIO_TDI_REPORT";

    public static PspCommandId CommandId => PspCommandId.TioTdiReport;

    static int IPspCommandBuffer<TioTdiReportCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(GuestContextAddress);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiReportCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var guestContextAddress = reader.ReadUInt64("gctx_paddr");
        return new TioTdiReportCommand(spdmControl, deviceContext, tdiContext, guestContextAddress);
    }
}
