using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_MEASUREMENTS (0xD7) command buffer, 80 bytes (Linux <c>struct sev_data_tio_dev_meas</c>). Fetches device measurements (output object id 5) with a freshness nonce.
/// </summary>
/// <remarks>Layout: length u32 @0, flags u32 @4, spdm_ctrl @8, dev_ctx_sla @40, meas_nonce[32] @48.</remarks>
/// <param name="Flags">RAW_BITSTREAM.</param>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="Nonce">Nonce for measurement freshness.</param>
public readonly record struct TioDevMeasurementsCommand(
    TioDevMeasurementsFlags Flags,
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    MeasurementNonce Nonce)
    : IPspCommandBuffer<TioDevMeasurementsCommand>
{
    public const int Size = 80;

    private const string Message = "PSP.TIO_DEV_MEASUREMENTS";

    public static PspCommandId CommandId => PspCommandId.TioDevMeasurements;

    static int IPspCommandBuffer<TioDevMeasurementsCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteUInt32((uint)Flags);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        Nonce.CopyTo(writer.Reserve(MeasurementNonce.Length));
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevMeasurementsCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var flagsRaw = reader.ReadUInt32("flags");
        WireChecks.ReadReservedBits(ref reader, flagsRaw, ~0x1ul & 0xFFFF_FFFF, "flags");
        var flags = (TioDevMeasurementsFlags)flagsRaw;
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var nonce = MeasurementNonce.FromBytes(reader.ReadBytes(MeasurementNonce.Length, "meas_nonce"));
        return new TioDevMeasurementsCommand(flags, spdmControl, deviceContext, nonce);
    }
}
