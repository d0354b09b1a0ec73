using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_RECLAIM (0xDB) command buffer, 32 bytes (Linux <c>struct sev_data_tio_tdi_reclaim</c>). Releases a TDI context.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, dev_ctx_sla @8, tdi_ctx_sla @16, reserved2[8] @24.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
public readonly record struct TioTdiReclaimCommand(
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext)
    : IPspCommandBuffer<TioTdiReclaimCommand>
{
    public const int Size = 32;

    private const string Message = "PSP.TIO_TDI_RECLAIM";

    public static PspCommandId CommandId => PspCommandId.TioTdiReclaim;

    static int IPspCommandBuffer<TioTdiReclaimCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteZeros(8);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiReclaimCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        WireChecks.ReadZeros(ref reader, 8, "reserved2");
        return new TioTdiReclaimCommand(deviceContext, tdiContext);
    }
}
