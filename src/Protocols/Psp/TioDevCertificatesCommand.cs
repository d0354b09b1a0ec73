using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_CERTIFICATES (0xD8) command buffer, 48 bytes (Linux <c>struct sev_data_tio_dev_certs</c>). Fetches the device certificate chain (output object id 4).
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, spdm_ctrl @8, dev_ctx_sla @40.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
public readonly record struct TioDevCertificatesCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext)
    : IPspCommandBuffer<TioDevCertificatesCommand>
{
    public const int Size = 48;

    private const string Message = "PSP.TIO_DEV_CERTIFICATES";

    public static PspCommandId CommandId => PspCommandId.TioDevCertificates;

    static int IPspCommandBuffer<TioDevCertificatesCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevCertificatesCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        return new TioDevCertificatesCommand(spdmControl, deviceContext);
    }
}
