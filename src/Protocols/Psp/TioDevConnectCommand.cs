using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_DEV_CONNECT (0xD4) command buffer, 80 bytes (Linux <c>struct sev_data_tio_dev_connect</c>). Runs SPDM session setup and IDE key programming with the device, relayed by the host.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, spdm_ctrl @8, reserved2[8] @40, dev_ctx_sla @48, tc_mask u8 @56, cert_slot u8 @57, reserved3[6] @58, ide_stream_id[8] @64, reserved4[8] @72.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TrafficClassMask">Traffic classes to set up; bit k = TC k; bit 0 mandatory.</param>
/// <param name="CertificateSlot">SPDM certificate slot for the session.</param>
/// <param name="IdeStreamIds">IDE stream id per TC, valid where the TC's mask bit is set.</param>
public readonly record struct TioDevConnectCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    byte TrafficClassMask,
    byte CertificateSlot,
    IdeStreamIds IdeStreamIds)
    : IPspCommandBuffer<TioDevConnectCommand>
{
    public const int Size = 80;

    private const string Message = "PSP.TIO_DEV_CONNECT";

    public static PspCommandId CommandId => PspCommandId.TioDevConnect;

    static int IPspCommandBuffer<TioDevConnectCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        writer.WriteZeros(8);
        DeviceContext.Write(ref writer);
        writer.WriteByte(TrafficClassMask);
        writer.WriteByte(CertificateSlot);
        writer.WriteZeros(6);
        IdeStreamIds.CopyTo(writer.Reserve(IdeStreamIds.Length));
        writer.WriteZeros(8);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioDevConnectCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var spdmControl = SpdmControl.Read(ref reader);
        WireChecks.ReadZeros(ref reader, 8, "reserved2");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var trafficClassMask = reader.ReadByte("tc_mask");
        var certificateSlot = reader.ReadByte("cert_slot");
        WireChecks.ReadZeros(ref reader, 6, "reserved3");
        var ideStreamIds = IdeStreamIds.FromBytes(reader.ReadBytes(IdeStreamIds.Length, "ide_stream_id"));
        WireChecks.ReadZeros(ref reader, 8, "reserved4");
        return new TioDevConnectCommand(spdmControl, deviceContext, trafficClassMask, certificateSlot, ideStreamIds);
    }
}
