using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_RECLAIM (0xD3) command buffer, 16 bytes (Linux <c>struct sev_data_tio_dev_reclaim</c>). Releases a device context so its pages can be reclaimed.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, dev_ctx_sla @8.</remarks>
/// <param name="DeviceContext">The device context.</param>
public readonly record struct TioDevReclaimCommand(
    ScatterListAddress DeviceContext)
    : IPspCommandBuffer<TioDevReclaimCommand>
{
    public const int Size = 16;

    private const string Message = "PSP.TIO_DEV_RECLAIM";

    public static PspCommandId CommandId => PspCommandId.TioDevReclaim;

    static int IPspCommandBuffer<TioDevReclaimCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevReclaimCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        return new TioDevReclaimCommand(deviceContext);
    }
}
