using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_INFO (0xE3) command buffer, 48 bytes (Linux <c>struct sev_data_tio_tdi_info</c>). Asks for the 192-byte <see cref="TioTdiInfo"/>.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, dev_ctx_sla @8, tdi_ctx_sla @16, status_paddr u64 @24, reserved2[16] @32.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="StatusAddress">System physical address the info is written to.</param>
public readonly record struct TioTdiInfoCommand(
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong StatusAddress)
    : IPspCommandBuffer<TioTdiInfoCommand>
{
    public const int Size = 48;

    private const string Message = "PSP.TIO_TDI_INFO";

    public static PspCommandId CommandId => PspCommandId.TioTdiInfo;

    static int IPspCommandBuffer<TioTdiInfoCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(StatusAddress);
        writer.WriteZeros(16);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiInfoCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var statusAddress = reader.ReadUInt64("status_paddr");
        WireChecks.ReadZeros(ref reader, 16, "reserved2");
        return new TioTdiInfoCommand(deviceContext, tdiContext, statusAddress);
    }
}
