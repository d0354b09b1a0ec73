using System.Buffers.Binary;

namespace SevTio.Guest.Drivers;

/// <summary>
/// One 64-byte ring descriptor as the driver writes it (little-endian): u8 OPCODE (1 device writes to memory, 2 device
/// reads memory), u8 FLAGS, u16 MSIX_VECTOR, u32 COUNT, u32 SIZE, u32 SEED, u64 WINDOW_BASE, u64 WINDOW_SIZE,
/// u64 DEVICE_OFFSET, u64 COMPLETION, u64 COOKIE, u64 START_INDEX. Transfer i lands at window slot START_INDEX + i
/// (modulo the slots) or at a seeded hash of it, and uses device memory at DEVICE_OFFSET + i × SIZE (wrapping).
/// </summary>
public readonly record struct ModelDmaDescriptor(
    byte Opcode,
    byte Flags,
    uint Count,
    uint Size,
    uint Seed,
    ulong WindowBase,
    ulong WindowSize,
    ulong DeviceOffset,
    ulong CompletionAddress,
    ulong Cookie,
    ulong StartIndex)
{
    public const int Bytes = 64;
    public const byte OpcodeWrite = 1;
    public const byte OpcodeRead = 2;
    public const byte FlagRandom = 1 << 0;
    public const byte FlagInterrupt = 1 << 1;

    public void Write(Span<byte> destination)
    {
        destination = destination[..Bytes];
        destination.Clear();
        destination[0] = Opcode;
        destination[1] = Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Count);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Size);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Seed);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], WindowBase);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], WindowSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[32..], DeviceOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], CompletionAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], Cookie);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], StartIndex);
    }
}
