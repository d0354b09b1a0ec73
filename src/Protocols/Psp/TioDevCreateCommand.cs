using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_CREATE (0xD2) command buffer, 32 bytes (Linux <c>struct sev_data_tio_dev_create</c>). Creates a device context in host-donated, firmware-owned pages.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, dev_ctx_sla @8, device_id u16 @16, root_port_id u16 @18, segment_id u8 @20, reserved2[11] @21.</remarks>
/// <param name="DeviceContext">Pages (devctx_size bytes) donated for the device context.</param>
/// <param name="DeviceId">PCIe routing id (BDF) of the device.</param>
/// <param name="RootPortId">Port Number of the device's root port.</param>
/// <param name="Segment">PCIe segment of the device.</param>
public readonly record struct TioDevCreateCommand(
    ScatterListAddress DeviceContext,
    ushort DeviceId,
    ushort RootPortId,
    byte Segment)
    : IPspCommandBuffer<TioDevCreateCommand>
{
    public const int Size = 32;

    private const string Message = "PSP.TIO_DEV_CREATE";

    public static PspCommandId CommandId => PspCommandId.TioDevCreate;

    static int IPspCommandBuffer<TioDevCreateCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        writer.WriteUInt16(DeviceId);
        writer.WriteUInt16(RootPortId);
        writer.WriteByte(Segment);
        writer.WriteZeros(11);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevCreateCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var deviceId = reader.ReadUInt16("device_id");
        var rootPortId = reader.ReadUInt16("root_port_id");
        var segment = reader.ReadByte("segment_id");
        WireChecks.ReadZeros(ref reader, 11, "reserved2");
        return new TioDevCreateCommand(deviceContext, deviceId, rootPortId, segment);
    }
}
