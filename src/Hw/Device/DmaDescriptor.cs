using System.Buffers.Binary;

namespace SevTio.Hw.Device;

/// <summary>
/// One 64-byte descriptor of the DMA engine's ring, as a driver writes it into host memory (little-endian). A
/// descriptor describes a batch of transfers, as pcie-bench's device-driven DMA loops do: COUNT transfers of SIZE bytes
/// each, placed in the window [WINDOW_BASE, +WINDOW_SIZE) at transfer-sized slots, sequentially or pseudo-randomly
/// (transfer <c>i</c> takes slot <c>(START_INDEX + i) mod slots</c>, or a seeded hash of <c>START_INDEX + i</c>, so a
/// workload split over many descriptors continues one placement sequence); transfer <c>i</c> uses device memory at
/// <c>(DEVICE_OFFSET + i × SIZE) mod device memory size</c>.
/// </summary>
/// <remarks>
/// <code>
/// 0x00 u8  OPCODE         1 = write to host, 2 = read from host
/// 0x01 u8  FLAGS          DmaDescriptorFlags
/// 0x02 u16 MSIX_VECTOR
/// 0x04 u32 COUNT          transfers, at least 1
/// 0x08 u32 SIZE           bytes per transfer, 1 .. 2^30
/// 0x0C u32 SEED           random pattern seed
/// 0x10 u64 WINDOW_BASE    DMA address (GPA for T=1 below vTOM)
/// 0x18 u64 WINDOW_SIZE    at least SIZE
/// 0x20 u64 DEVICE_OFFSET  start in device memory
/// 0x28 u64 COMPLETION     DMA address of the 16-byte completion record
/// 0x30 u64 COOKIE         echoed in the completion record
/// 0x38 u64 START_INDEX    transfer i of this descriptor is transfer START_INDEX + i of the placement sequence
/// </code>
/// </remarks>
public readonly record struct DmaDescriptor(
    DmaOpcode Opcode,
    DmaDescriptorFlags Flags,
    ushort MsixVector,
    uint Count,
    uint Size,
    uint Seed,
    ulong WindowBase,
    ulong WindowSize,
    ulong DeviceOffset,
    ulong CompletionAddress,
    ulong Cookie,
    ulong StartIndex = 0)
{
    public const int Bytes = 64;

    /// <summary>Largest transfer a descriptor may ask for.</summary>
    public const uint MaxTransferSize = 1u << 30;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Bytes)
        {
            throw new ArgumentException("a descriptor is 64 bytes", nameof(destination));
        }

        destination[..Bytes].Clear();
        destination[0] = (byte)Opcode;
        destination[1] = (byte)Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], MsixVector);
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

    public byte[] ToArray()
    {
        var b = new byte[Bytes];
        Write(b);
        return b;
    }

    /// <summary>
    /// Decodes the bytes the engine fetched. Never throws: a descriptor the hardware cannot execute decodes to
    /// <see cref="DmaStatus.InvalidDescriptor"/> (the job then completes with that status, as hardware would answer).
    /// </summary>
    public static DmaStatus TryRead(ReadOnlySpan<byte> source, out DmaDescriptor descriptor)
    {
        descriptor = default;
        if (source.Length < Bytes)
        {
            return DmaStatus.InvalidDescriptor;
        }

        descriptor = new DmaDescriptor(
            (DmaOpcode)source[0],
            (DmaDescriptorFlags)source[1],
            BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[48..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[56..]));
        return descriptor.Validate();
    }

    /// <summary>The checks the engine applies before executing a descriptor.</summary>
    public DmaStatus Validate()
    {
        if (Opcode is not (DmaOpcode.Write or DmaOpcode.Read) || Count == 0 || Size == 0 || Size > MaxTransferSize ||
            WindowSize < Size || WindowBase > ulong.MaxValue - WindowSize)
        {
            return DmaStatus.InvalidDescriptor;
        }

        return DmaStatus.Success;
    }
}
