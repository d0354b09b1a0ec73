using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_STATUS (0xD6) command buffer, 32 bytes (Linux <c>struct sev_data_tio_dev_status</c>). Asks for the 160-byte <see cref="TioDeviceStatus"/>.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, dev_ctx_paddr @8, status_paddr u64 @16, reserved2[8] @24.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="StatusAddress">System physical address the status is written to.</param>
public readonly record struct TioDevStatusCommand(
    ScatterListAddress DeviceContext,
    ulong StatusAddress)
    : IPspCommandBuffer<TioDevStatusCommand>
{
    public const int Size = 32;

    private const string Message = "PSP.TIO_DEV_STATUS";

    public static PspCommandId CommandId => PspCommandId.TioDevStatus;

    static int IPspCommandBuffer<TioDevStatusCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        writer.WriteUInt64(StatusAddress);
        writer.WriteZeros(8);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevStatusCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_paddr");
        var statusAddress = reader.ReadUInt64("status_paddr");
        WireChecks.ReadZeros(ref reader, 8, "reserved2");
        return new TioDevStatusCommand(deviceContext, statusAddress);
    }
}
