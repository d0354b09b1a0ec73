using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_ROLL_KEY (0xE4) command buffer, 48 bytes (Linux <c>struct sev_data_tio_roll_key</c>). Refreshes the IDE keys of a connected device (IDE_KM over the existing session).
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, spdm_ctrl @8, dev_ctx_sla @40.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
public readonly record struct TioRollKeyCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext)
    : IPspCommandBuffer<TioRollKeyCommand>
{
    public const int Size = 48;

    private const string Message = "PSP.TIO_ROLL_KEY";

    public static PspCommandId CommandId => PspCommandId.TioRollKey;

    static int IPspCommandBuffer<TioRollKeyCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioRollKeyCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        return new TioRollKeyCommand(spdmControl, deviceContext);
    }
}
