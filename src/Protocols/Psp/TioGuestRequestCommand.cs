using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_GUEST_REQUEST (0xE0) command buffer, 80 bytes (Linux <c>struct sev_data_tio_guest_request</c>). Hands the firmware an encrypted SNP guest message (TIO_MSG_*) and a page for the encrypted response.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, spdm_ctrl @8, dev_ctx_sla @40, tdi_ctx_sla @48, gctx_paddr u64 @56, req_paddr u64 @64, res_paddr u64 @72.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="GuestContextAddress">System physical address of the SNP guest context page.</param>
/// <param name="RequestAddress">System physical address of the request message page.</param>
/// <param name="ResponseAddress">System physical address of the response message page.</param>
public readonly record struct TioGuestRequestCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong GuestContextAddress,
    ulong RequestAddress,
    ulong ResponseAddress)
    : IPspCommandBuffer<TioGuestRequestCommand>
{
    public const int Size = 80;

    private const string Message = "PSP.TIO_GUEST_REQUEST";

    public static PspCommandId CommandId => PspCommandId.TioGuestRequest;

    static int IPspCommandBuffer<TioGuestRequestCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(GuestContextAddress);
        writer.WriteUInt64(RequestAddress);
        writer.WriteUInt64(ResponseAddress);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioGuestRequestCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var guestContextAddress = reader.ReadUInt64("gctx_paddr");
        var requestAddress = reader.ReadUInt64("req_paddr");
        var responseAddress = reader.ReadUInt64("res_paddr");
        return new TioGuestRequestCommand(spdmControl, deviceContext, tdiContext, guestContextAddress, requestAddress, responseAddress);
    }
}
