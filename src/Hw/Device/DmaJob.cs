using System.Runtime.CompilerServices;

namespace SevTio.Hw.Device;

/// <summary>
/// A descriptor being executed: where transfer <c>i</c> goes in the window and in device memory. Placement is a pure
/// function of the descriptor and the index, so the packet and the burst level, and any thread, compute the same
/// addresses.
/// </summary>
public readonly struct DmaJob
{
    private readonly ulong _slots;
    private readonly ulong _deviceMask;
    private readonly ulong _seed;

    public DmaJob(in DmaDescriptor descriptor, long sequence, long deviceMemoryBytes)
    {
        if (deviceMemoryBytes <= 0 || !long.IsPow2(deviceMemoryBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(deviceMemoryBytes), deviceMemoryBytes, "device memory is a power of two of bytes");
        }

        Descriptor = descriptor;
        Sequence = sequence;
        _slots = descriptor.WindowSize / descriptor.Size;
        _deviceMask = (ulong)deviceMemoryBytes - 1;
        _seed = 0x9E3779B97F4A7C15UL ^ ((ulong)descriptor.Seed << 17) ^ descriptor.WindowBase;
    }

    public DmaDescriptor Descriptor { get; }

    /// <summary>Jobs started by the engine before this one.</summary>
    public long Sequence { get; }

    public bool IsWrite => Descriptor.Opcode == DmaOpcode.Write;

    public long Count => Descriptor.Count;

    public int TransferSize => (int)Descriptor.Size;

    public long TotalBytes => (long)Descriptor.Count * Descriptor.Size;

    /// <summary>The driver asked for T=0 requests.</summary>
    public bool NonTee => (Descriptor.Flags & DmaDescriptorFlags.NonTee) != 0;

    /// <summary>DMA address of transfer <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong AddressOf(long index)
    {
        var n = Descriptor.StartIndex + (ulong)index;
        ulong slot;
        if ((Descriptor.Flags & DmaDescriptorFlags.RandomPattern) == 0)
        {
            slot = n % _slots;
        }
        else
        {
            // SplitMix64 of (seed, index), mapped onto [0, slots) by a multiply-high (Lemire).
            var z = _seed + (n * 0x9E3779B97F4A7C15UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            slot = Math.BigMul(z, _slots, out _);
        }

        return Descriptor.WindowBase + (slot * Descriptor.Size);
    }

    /// <summary>Offset in device memory where transfer <paramref name="index"/> reads or writes its first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long DeviceOffsetOf(long index) => (long)((Descriptor.DeviceOffset + ((ulong)index * Descriptor.Size)) & _deviceMask);
}
