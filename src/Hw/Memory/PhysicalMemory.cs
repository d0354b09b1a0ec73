using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Memory;

/// <summary>
/// Host physical memory as the bus sees it: raw bytes (ciphertext for private pages), stored sparsely in 4 KiB frames
/// that are allocated on the first write. An untouched page reads as zeros and costs nothing.
/// </summary>
/// <remarks>
/// <para>Layout. A directory with one slot per 2 MiB region points to a leaf of 512 frame numbers (0 = not present);
/// frames live in 2 MiB pinned slabs handed out in touch order, so host memory grows with touched pages (plus one leaf
/// of 2 KiB per touched 2 MiB region and the 4 MiB directory of a 1 TiB space), never with the address space.</para>
/// <para>Hot path. A TLP never crosses a 4 KiB boundary (PCIe), so a DMA access is one directory load, one leaf load and a
/// span copy; <see cref="GetWritableSpan"/> and <see cref="GetReadableSpan"/> hand out a span onto (part of) one page for
/// zero-copy writers such as the fused IDE-decrypt → memory-encrypt path. Slabs are pinned (POH) so a span may be pinned for
/// free by a crypto kernel.</para>
/// <para>Threads. Reads and writes of already-touched pages may run concurrently (different pages); first-touch allocation
/// takes a lock and publishes the frame with a release store, so concurrent first touches are safe too.</para>
/// </remarks>
public sealed class PhysicalMemory
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    public const ulong PageOffsetMask = PageSize - 1;

    /// <summary>Largest supported address space: 1 TiB (a 4 MiB directory).</summary>
    public const ulong MaxSize = 1UL << 40;

    private const int LeafShift = 9; // 512 pages = 2 MiB per leaf
    private const int LeafEntries = 1 << LeafShift;
    private const int SlabPageShift = 9; // 512 frames = 2 MiB per slab
    private const int SlabPages = 1 << SlabPageShift;
    private const int SlabBytes = SlabPages * PageSize;

    /// <summary>A shared all-zero page returned for reads of untouched memory.</summary>
    private static readonly byte[] s_zeroPage = new byte[PageSize];

    private readonly int[]?[] _directory;
    private readonly Lock _allocationLock = new();
    private byte[][] _slabs = new byte[4][];
    private int _slabCount;
    private int _framesUsed;

    /// <param name="size">Size of the physical address space in bytes: a positive multiple of 2 MiB, at most 1 TiB.</param>
    public PhysicalMemory(ulong size)
    {
        if (size == 0 || size > MaxSize || size % (LeafEntries * (ulong)PageSize) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "physical memory size must be a positive multiple of 2 MiB, at most 1 TiB");
        }

        Size = size;
        _directory = new int[]?[size >> (PageShift + LeafShift)];
    }

    /// <summary>Size of the physical address space in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Pages written at least once (each holds a 4 KiB frame).</summary>
    public long TouchedPages => Volatile.Read(ref _framesUsed);

    /// <summary>Bytes of frame storage allocated so far (whole 2 MiB slabs).</summary>
    public long AllocatedBytes => (long)Volatile.Read(ref _slabCount) * SlabBytes;

    /// <summary>True when the page holding <paramref name="physicalAddress"/> has a frame.</summary>
    public bool IsTouched(ulong physicalAddress)
    {
        CheckRange(physicalAddress, 1);
        return FrameOf(physicalAddress >> PageShift) >= 0;
    }

    /// <summary>
    /// A writable span onto <paramref name="length"/> bytes at <paramref name="physicalAddress"/>, inside one page;
    /// allocates the page's frame on first touch. The span stays valid for the life of this memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetWritableSpan(ulong physicalAddress, int length)
    {
        CheckWithinPage(physicalAddress, length);
        var frame = FrameOf(physicalAddress >> PageShift);
        if (frame < 0)
        {
            frame = AllocateFrame(physicalAddress >> PageShift);
        }

        return new Span<byte>(_slabs[frame >> SlabPageShift], ((frame & (SlabPages - 1)) << PageShift) + (int)(physicalAddress & PageOffsetMask), length);
    }

    /// <summary>
    /// Where a touched page's bytes are: its slab and the page's first byte in it (false for an untouched page, which
    /// reads as zeros). A frame never moves once allocated (slabs are pinned and never freed), so a reader walking a
    /// table page by page (the RMP's entry fills) may keep the answer instead of looking the page up per entry.
    /// </summary>
    internal bool TryGetFrame(ulong pageNumber, out byte[] slab, out int offset)
    {
        CheckRange(pageNumber << PageShift, PageSize);
        var frame = FrameOf(pageNumber);
        if (frame < 0)
        {
            slab = s_zeroPage;
            offset = 0;
            return false;
        }

        slab = _slabs[frame >> SlabPageShift];
        offset = (frame & (SlabPages - 1)) << PageShift;
        return true;
    }

    /// <summary>
    /// A read-only span onto <paramref name="length"/> bytes at <paramref name="physicalAddress"/>, inside one page.
    /// An untouched page yields a shared zero page, so reading never allocates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetReadableSpan(ulong physicalAddress, int length)
    {
        CheckWithinPage(physicalAddress, length);
        var frame = FrameOf(physicalAddress >> PageShift);
        var offset = (int)(physicalAddress & PageOffsetMask);
        return frame < 0
            ? new ReadOnlySpan<byte>(s_zeroPage, offset, length)
            : new ReadOnlySpan<byte>(_slabs[frame >> SlabPageShift], ((frame & (SlabPages - 1)) << PageShift) + offset, length);
    }

    /// <summary>Copies raw bytes out of memory; the range may cross pages.</summary>
    public void Read(ulong physicalAddress, Span<byte> destination)
    {
        CheckRange(physicalAddress, (ulong)destination.Length);
        while (!destination.IsEmpty)
        {
            var chunk = ChunkInPage(physicalAddress, destination.Length);
            GetReadableSpan(physicalAddress, chunk).CopyTo(destination);
            destination = destination[chunk..];
            physicalAddress += (ulong)chunk;
        }
    }

    /// <summary>Stores raw bytes into memory; the range may cross pages.</summary>
    public void Write(ulong physicalAddress, ReadOnlySpan<byte> source)
    {
        CheckRange(physicalAddress, (ulong)source.Length);
        while (!source.IsEmpty)
        {
            var chunk = ChunkInPage(physicalAddress, source.Length);
            source[..chunk].CopyTo(GetWritableSpan(physicalAddress, chunk));
            source = source[chunk..];
            physicalAddress += (ulong)chunk;
        }
    }

    /// <summary>Zeroes a range; pages never touched stay untouched (they already read as zero).</summary>
    public void Clear(ulong physicalAddress, ulong length)
    {
        CheckRange(physicalAddress, length);
        while (length > 0)
        {
            var chunk = ChunkInPage(physicalAddress, (int)Math.Min(length, PageSize));
            if (FrameOf(physicalAddress >> PageShift) >= 0)
            {
                GetWritableSpan(physicalAddress, chunk).Clear();
            }

            length -= (ulong)chunk;
            physicalAddress += (ulong)chunk;
        }
    }

    /// <summary>Reads a little-endian 64-bit value (page-table entries, RMP entries); must be 8-byte aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadUInt64(ulong physicalAddress)
    {
        if ((physicalAddress & 7) != 0)
        {
            ThrowMisaligned(physicalAddress);
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(GetReadableSpan(physicalAddress, sizeof(ulong)));
    }

    /// <summary>Writes a little-endian 64-bit value; must be 8-byte aligned.</summary>
    public void WriteUInt64(ulong physicalAddress, ulong value)
    {
        if ((physicalAddress & 7) != 0)
        {
            ThrowMisaligned(physicalAddress);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(GetWritableSpan(physicalAddress, sizeof(ulong)), value);
    }

    /// <summary>Bytes from <paramref name="physicalAddress"/> to the end of its page, capped at <paramref name="length"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ChunkInPage(ulong physicalAddress, int length) =>
        Math.Min(length, PageSize - (int)(physicalAddress & PageOffsetMask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FrameOf(ulong pageNumber)
    {
        var leaf = Volatile.Read(ref _directory[pageNumber >> LeafShift]);
        return leaf is null ? -1 : Volatile.Read(ref leaf[pageNumber & (LeafEntries - 1)]) - 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AllocateFrame(ulong pageNumber)
    {
        lock (_allocationLock)
        {
            ref var leafSlot = ref _directory[pageNumber >> LeafShift];
            var leaf = leafSlot;
            if (leaf is null)
            {
                leaf = new int[LeafEntries];
                Volatile.Write(ref leafSlot, leaf);
            }

            ref var entry = ref leaf[pageNumber & (LeafEntries - 1)];
            if (entry != 0)
            {
                return entry - 1; // another thread won the race
            }

            var frame = _framesUsed;
            var slab = frame >> SlabPageShift;
            if (slab == _slabCount)
            {
                if (slab == _slabs.Length)
                {
                    Array.Resize(ref _slabs, _slabs.Length * 2);
                }

                // Zeroed: memory that was never written reads as zero, as after the RMP/platform initialisation.
                _slabs[slab] = GC.AllocateArray<byte>(SlabBytes, pinned: true);
                Volatile.Write(ref _slabCount, _slabCount + 1);
            }

            Volatile.Write(ref _framesUsed, frame + 1);
            Volatile.Write(ref entry, frame + 1);
            return frame;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckWithinPage(ulong physicalAddress, int length)
    {
        if (physicalAddress >= Size || (uint)length > (uint)(PageSize - (int)(physicalAddress & PageOffsetMask)))
        {
            ThrowNotWithinPage(physicalAddress, length);
        }
    }

    private void CheckRange(ulong physicalAddress, ulong length)
    {
        if (physicalAddress > Size || length > Size - physicalAddress)
        {
            ThrowOutOfRange(physicalAddress, length);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNotWithinPage(ulong physicalAddress, int length)
    {
        if (physicalAddress >= Size)
        {
            ThrowOutOfRange(physicalAddress, (ulong)Math.Max(length, 0));
        }

        throw new ArgumentOutOfRangeException(nameof(length), length, $"access at 0x{physicalAddress:X} must stay inside one 4 KiB page");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOutOfRange(ulong physicalAddress, ulong length) =>
        throw new ArgumentOutOfRangeException(nameof(physicalAddress), $"physical range 0x{physicalAddress:X}+0x{length:X} is outside memory of 0x{Size:X} bytes");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMisaligned(ulong physicalAddress) =>
        throw new ArgumentException($"physical address 0x{physicalAddress:X} is not 8-byte aligned", nameof(physicalAddress));
}
