using System.Buffers.Binary;

namespace SevTio.Hw.Device;

/// <summary>
/// The 16-byte record the DMA engine writes (a posted DMA write after the job's data) to the descriptor's COMPLETION
/// address: u32 STATUS (<see cref="DmaStatus"/>), u32 transfers completed, u64 COOKIE.
/// </summary>
public readonly record struct DmaCompletionRecord(DmaStatus Status, uint TransfersCompleted, ulong Cookie)
{
    public const int Bytes = 16;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Status);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], TransfersCompleted);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Cookie);
    }

    public static DmaCompletionRecord Read(ReadOnlySpan<byte> source) =>
        new((DmaStatus)BinaryPrimitives.ReadUInt32LittleEndian(source), BinaryPrimitives.ReadUInt32LittleEndian(source[4..]), BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
}
