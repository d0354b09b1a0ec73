using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_STATUS (0xDF) command buffer, 64 bytes (Linux <c>struct sev_data_tio_tdi_status</c>). Asks the device for the TDI's TDISP state; writes the 16-byte <see cref="TioTdiStatus"/>.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, spdm_ctrl @8, dev_ctx_sla @40, tdi_ctx_sla @48, status_paddr u64 @56.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="StatusAddress">System physical address the status is written to.</param>
public readonly record struct TioTdiStatusCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong StatusAddress)
    : IPspCommandBuffer<TioTdiStatusCommand>
{
    public const int Size = 64;

    private const string Message = "PSP.TIO_TDI_STATUS";

    public static PspCommandId CommandId => PspCommandId.TioTdiStatus;

    static int IPspCommandBuffer<TioTdiStatusCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(StatusAddress);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiStatusCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var statusAddress = reader.ReadUInt64("status_paddr");
        return new TioTdiStatusCommand(spdmControl, deviceContext, tdiContext, statusAddress);
    }
}
