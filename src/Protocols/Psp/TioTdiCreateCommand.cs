using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_CREATE (0xDA) command buffer, 48 bytes (Linux <c>struct sev_data_tio_tdi_create</c>). Creates a TDI context for one interface of a connected device.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, dev_ctx_sla @8, tdi_ctx_sla @16, interface_id[12] @24, reserved2[12] @36.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">Pages (tdictx_size bytes) donated for the TDI context.</param>
/// <param name="InterfaceId">TDISP INTERFACE_ID of the TDI (host RID and segment).</param>
public readonly record struct TioTdiCreateCommand(
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    TdispInterfaceId InterfaceId)
    : IPspCommandBuffer<TioTdiCreateCommand>
{
    public const int Size = 48;

    private const string Message = "PSP.TIO_TDI_CREATE";

    public static PspCommandId CommandId => PspCommandId.TioTdiCreate;

    static int IPspCommandBuffer<TioTdiCreateCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        InterfaceId.Write(ref writer);
        writer.WriteZeros(12);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiCreateCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var interfaceId = TdispInterfaceId.Read(ref reader, "interface_id");
        WireChecks.ReadZeros(ref reader, 12, "reserved2");
        return new TioTdiCreateCommand(deviceContext, tdiContext, interfaceId);
    }
}
