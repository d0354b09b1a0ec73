using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// TIO_TDI_BIND (0xDC) command buffer, 80 bytes (Linux <c>struct sev_data_tio_tdi_bind</c>). Binds a TDI to a guest and locks it (TDISP LOCK_INTERFACE, report fetched as output object id 6); with RUN_FORCE, starts it.
/// </summary>
/// <remarks>Layout: length u32 @0, reserved[4] @4, spdm_ctrl @8, dev_ctx_sla @40, tdi_ctx_sla @48, gctx_paddr u64 @56, guest_device_id u16 @64, tdisp_lock_if_flags u16 @66, run_flags u16 @68, reserved3[10] @70.</remarks>
/// <param name="SpdmControl">SLAs of the request, response, scratch and output buffers.</param>
/// <param name="DeviceContext">The device context.</param>
/// <param name="TdiContext">The TDI context.</param>
/// <param name="GuestContextAddress">System physical address of the SNP guest context page.</param>
/// <param name="GuestDeviceId">Routing id of the device as the guest sees it (vBDF).</param>
/// <param name="LockFlags">TDISP LOCK_INTERFACE flags (b0 NO_FW_UPDATE, b2 LOCK_MSIX, b3 BIND_P2P, b4 ALL_REQUEST_REDIRECT).</param>
/// <param name="RunFlags">RUN_FORCE.</param>
public readonly record struct TioTdiBindCommand(
    SpdmControl SpdmControl,
    ScatterListAddress DeviceContext,
    ScatterListAddress TdiContext,
    ulong GuestContextAddress,
    ushort GuestDeviceId,
    TdispLockFlags LockFlags,
    TioTdiRunFlags RunFlags)
    : IPspCommandBuffer<TioTdiBindCommand>
{
    public const int Size = 80;

    private const string Message = "PSP.TIO_TDI_BIND";

    public static PspCommandId CommandId => PspCommandId.TioTdiBind;

    static int IPspCommandBuffer<TioTdiBindCommand>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteZeros(4);
        SpdmControl.Write(ref writer);
        DeviceContext.Write(ref writer);
        TdiContext.Write(ref writer);
        writer.WriteUInt64(GuestContextAddress);
        writer.WriteUInt16(GuestDeviceId);
        writer.WriteUInt16((ushort)LockFlags);
        writer.WriteUInt16((ushort)RunFlags);
        writer.WriteZeros(10);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiBindCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        WireChecks.ReadZeros(ref reader, 4, "reserved");
        var spdmControl = SpdmControl.Read(ref reader);
        var deviceContext = ScatterListAddress.Read(ref reader, "dev_ctx_sla");
        var tdiContext = ScatterListAddress.Read(ref reader, "tdi_ctx_sla");
        var guestContextAddress = reader.ReadUInt64("gctx_paddr");
        var guestDeviceId = reader.ReadUInt16("guest_device_id");
        var lockFlagsRaw = reader.ReadUInt16("tdisp_lock_if_flags");
        WireChecks.ReadReservedBits(ref reader, lockFlagsRaw, ~(ulong)TdispLockFlagBits.Defined & 0xFFFF, "tdisp_lock_if_flags");
        var lockFlags = (TdispLockFlags)lockFlagsRaw;
        var runFlagsRaw = reader.ReadUInt16("run_flags");
        WireChecks.ReadReservedBits(ref reader, runFlagsRaw, ~0x1ul & 0xFFFF, "run_flags");
        var runFlags = (TioTdiRunFlags)runFlagsRaw;
        WireChecks.ReadZeros(ref reader, 10, "reserved3");
        return new TioTdiBindCommand(spdmControl, deviceContext, tdiContext, guestContextAddress, guestDeviceId, lockFlags, runFlags);
    }
}
