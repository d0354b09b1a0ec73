using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_UNBIND (0xDD) command buffer, 64 bytes (Linux <c>struct sev_data_tio_tdi_unbind</c>). Unbinds a TDI from its guest (TDISP STOP_INTERFACE).
/// </summary>
/// <remarks>Layout: length u32 @0, flags u32 @4, spdm_ctrl @8, dev_ctx_sla @40, tdi_ctx_sla @48, gctx_paddr u64 @56.</remarks>
/// <param name="Flags">FORCE on retry.</param>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="GuestContextAddress">System physical address of the SNP guest context page.</param>
public readonly record struct TioTdiUnbindCommand(
    TioTdiUnbindFlags Flags,
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong GuestContextAddress)
    : IPspCommandBuffer<TioTdiUnbindCommand>
{
    public const int Size = 64;

    private const string Message = "PSP.TIO_TDI_UNBIND";

    public static PspCommandId CommandId => PspCommandId.TioTdiUnbind;

    static int IPspCommandBuffer<TioTdiUnbindCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteUInt32((uint)Flags);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(GuestContextAddress);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiUnbindCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var flagsRaw = reader.ReadUInt32("flags");
        WireChecks.ReadReservedBits(ref reader, flagsRaw, ~0x1ul & 0xFFFF_FFFF, "flags");
        var flags = (TioTdiUnbindFlags)flagsRaw;
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var guestContextAddress = reader.ReadUInt64("gctx_paddr");
        return new TioTdiUnbindCommand(flags, spdmControl, deviceContext, tdiContext, guestContextAddress);
    }
}
