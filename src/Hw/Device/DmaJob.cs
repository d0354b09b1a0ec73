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
    private readonly ulong _windowBase;
    private readonly ulong _start;
    private readonly ulong _deviceOffset;
    private readonly uint _size;
    private readonly bool _random;

    public DmaJob(in DmaDescriptor descriptor, long sequence, long deviceMemoryBytes)
    {
        if (deviceMemoryBytes <= 0 || !long.IsPow2(deviceMemoryBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(deviceMemoryBytes), deviceMemoryBytes, "device memory is a power of two of bytes");
        }

        Descriptor = descriptor;
        Sequence = sequence;
        Count = descriptor.Count;
        TransferSize = (int)descriptor.Size;
        IsWrite = descriptor.Opcode == DmaOpcode.Write;
        NonTee = (descriptor.Flags & DmaDescriptorFlags.NonTee) != 0;
        _slots = descriptor.WindowSize / descriptor.Size;
        _deviceMask = (ulong)deviceMemoryBytes - 1;
        _seed = 0x9E3779B97F4A7C15UL ^ ((ulong)descriptor.Seed << 17) ^ descriptor.WindowBase;
        _windowBase = descriptor.WindowBase;
        _start = descriptor.StartIndex;
        _deviceOffset = descriptor.DeviceOffset;
        _size = descriptor.Size;
        _random = (descriptor.Flags & DmaDescriptorFlags.RandomPattern) != 0;
    }

    public DmaDescriptor Descriptor { get; }

    /// <summary>Jobs started by the engine before this one.</summary>
    public long Sequence { get; }

    public bool IsWrite { get; }

    public long Count { get; }

    public int TransferSize { get; }

    public long TotalBytes => Count * TransferSize;

    /// <summary>The driver asked for T=0 requests.</summary>
    public bool NonTee { get; }

    /// <summary>Transfers land at pseudo-random slots (else sequentially).</summary>
    public bool IsRandom => _random;

    /// <summary>The window's end: a sequential walker wraps to <see cref="DmaDescriptor.WindowBase"/> here.</summary>
    public ulong SequentialWrap => _windowBase + (_slots * _size);

    /// <summary>DMA address of transfer <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong AddressOf(long index)
    {
        var n = _start + (ulong)index;
        ulong slot;
        if (!_random)
        {
            slot = n < _slots ? n : n % _slots;
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

        return _windowBase + (slot * _size);
    }

    /// <summary>Offset in device memory where transfer <paramref name="index"/> reads or writes its first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long DeviceOffsetOf(long index) => (long)((_deviceOffset + ((ulong)index * _size)) & _deviceMask);
}
