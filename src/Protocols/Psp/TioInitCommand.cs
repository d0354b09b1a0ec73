using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_INIT (0xD1) command buffer, 16 bytes (Linux <c>struct sev_data_tio_init</c>). Initialises SEV-TIO in the firmware once <c>tio_en</c> is set and <c>tio_init_done</c> is not.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[12] @4.</remarks>
public readonly record struct TioInitCommand
    : IPspCommandBuffer<TioInitCommand>
{
    public const int Size = 16;

    private const string Message = "PSP.TIO_INIT";

    public static PspCommandId CommandId => PspCommandId.TioInit;

    static int IPspCommandBuffer<TioInitCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(12);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioInitCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 12, "reserved");
        return default(TioInitCommand);
    }
}
