using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_DISCONNECT (0xD5) command buffer, 48 bytes (Linux <c>struct sev_data_tio_dev_disconnect</c>). Ends the SPDM session and IDE use of a device.
/// </summary>
/// <remarks>Layout: length u32 @0, flags u32 @4, spdm_ctrl @8, dev_ctx_sla @40.</remarks>
/// <param name="Flags">FORCE on shutdown or retry.</param>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
public readonly record struct TioDevDisconnectCommand(
    TioDevDisconnectFlags Flags,
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext)
    : IPspCommandBuffer<TioDevDisconnectCommand>
{
    public const int Size = 48;

    private const string Message = "PSP.TIO_DEV_DISCONNECT";

    public static PspCommandId CommandId => PspCommandId.TioDevDisconnect;

    static int IPspCommandBuffer<TioDevDisconnectCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteUInt32((uint)Flags);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevDisconnectCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var flagsRaw = reader.ReadUInt32("flags");
        WireChecks.ReadReservedBits(ref reader, flagsRaw, ~0x1ul & 0xFFFF_FFFF, "flags");
        var flags = (TioDevDisconnectFlags)flagsRaw;
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        return new TioDevDisconnectCommand(flags, spdmControl, deviceContext);
    }
}
