using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_STATUS (0xD0) command buffer, 16 bytes (Linux <c>struct sev_data_tio_status</c>). Asks for the 64-byte <see cref="TioStatus"/> page.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, status_paddr u64 @8.</remarks>
/// <param name="StatusAddress">System physical address the firmware writes the TIO status structure to.</param>
public readonly record struct TioStatusCommand(
    ulong StatusAddress)
    : IPspCommandBuffer<TioStatusCommand>
{
    public const int Size = 16;

    private const string Message = "PSP.TIO_STATUS";

    public static PspCommandId CommandId => PspCommandId.TioStatus;

    static int IPspCommandBuffer<TioStatusCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        writer.WriteUInt64(StatusAddress);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioStatusCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var statusAddress = reader.ReadUInt64("status_paddr");
        return new TioStatusCommand(statusAddress);
    }
}
