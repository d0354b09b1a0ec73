using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// The 16-byte structure TIO_TDI_STATUS writes (sev-dev-tio.c <c>struct sev_tio_tdi_status_data</c>):
/// length u32 @0, tdisp_state u8 @4, reserved 11 @5.
/// </summary>
public readonly record struct TioTdiStatus(TsmTdispState State) : IPspOutputStructure<TioTdiStatus>
{
    public const int Size = 16;

    private const string Message = "PSP.TIO_TDI_STATUS.status";

    static int IPspOutputStructure<TioTdiStatus>.EncodedSize => Size;

    public int Encode(Span<byte> destination)
    {
        var writer = PspCommandBuffer.BeginEncode(destination, Size);
        writer.WriteByte((byte)State);
        writer.WriteZeros(11);
        return PspCommandBuffer.EndEncode(ref writer, Size);
    }

    public static TioTdiStatus Decode(ReadOnlySpan<byte> source)
    {
        var reader = PspCommandBuffer.BeginDecode(source, Message, Size);
        var state = reader.ReadByte("tdisp_state");
        if (state > (byte)TsmTdispState.Error)
        {
            reader.Fail("tdisp_state", $"{state} is not a TDISP state (0..3)");
        }

        WireChecks.ReadZeros(ref reader, 11, "reserved1");
        return new TioTdiStatus((TsmTdispState)state);
    }
}
