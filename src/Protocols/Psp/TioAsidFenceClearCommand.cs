using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_ASID_FENCE_CLEAR (0xE1) command buffer, 32 bytes (Linux <c>struct sev_data_tio_asid_fence_clear</c>). Clears the DMA/MMIO fence of a guest after unbinding a TDI that ran.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, dev_ctx_paddr @8, gctx_paddr u64 @16, reserved2[8] @24.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="GuestContextAddress">System physical address of the SNP guest context page.</param>
public readonly record struct TioAsidFenceClearCommand(
    ScatterListAddress DeviceContext,
    ulong GuestContextAddress)
    : IPspCommandBuffer<TioAsidFenceClearCommand>
{
    public const int Size = 32;

    private const string Message = "PSP.TIO_ASID_FENCE_CLEAR";

    public static PspCommandId CommandId => PspCommandId.TioAsidFenceClear;

    static int IPspCommandBuffer<TioAsidFenceClearCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        writer.WriteUInt64(GuestContextAddress);
        writer.WriteZeros(8);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioAsidFenceClearCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_paddr");
        var guestContextAddress = reader.ReadUInt64("gctx_paddr");
        WireChecks.ReadZeros(ref reader, 8, "reserved2");
        return new TioAsidFenceClearCommand(deviceContext, guestContextAddress);
    }
}
