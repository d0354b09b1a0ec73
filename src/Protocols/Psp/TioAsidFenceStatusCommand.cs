using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_ASID_FENCE_STATUS (0xE2) command buffer, 32 bytes (Linux <c>struct sev_data_tio_asid_fence_status</c>). Asks for the fence status (u64, <see cref="AsidFenceStatus"/>) of a guest ASID. Note status_pa sits at the unaligned offset 20.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved1[4] @4, dev_ctx_paddr @8, asid u32 @16, status_pa u64 @20, reserved2[4] @28.</remarks>
/// <param name="DeviceContext">The device context.</param>
/// <param name="Asid">ASID of the guest.</param>
/// <param name="StatusAddress">System physical address the u64 fence status is written to.</param>
public readonly record struct TioAsidFenceStatusCommand(
    ScatterListAddress DeviceContext,
    uint Asid,
    ulong StatusAddress)
    : IPspCommandBuffer<TioAsidFenceStatusCommand>
{
    public const int Size = 32;

    private const string Message = "PSP.TIO_ASID_FENCE_STATUS";

    public static PspCommandId CommandId => PspCommandId.TioAsidFenceStatus;

    static int IPspCommandBuffer<TioAsidFenceStatusCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        DeviceContext.Write(ref writer);
        writer.WriteUInt32(Asid);
        writer.WriteUInt64(StatusAddress);
        writer.WriteZeros(4);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioAsidFenceStatusCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_paddr");
        var asid = reader.ReadUInt32("asid");
        var statusAddress = reader.ReadUInt64("status_pa");
        WireChecks.ReadZeros(ref reader, 4, "reserved2");
        return new TioAsidFenceStatusCommand(deviceContext, asid, statusAddress);
    }
}
