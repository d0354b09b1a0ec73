using System.Numerics;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Iommu;

/// <summary>
/// The IOTLB: a fully associative cache of translations with least-recently-used replacement. An entry maps one page
/// (4 KiB, 2 MiB or 1 GiB, as the walk found it) of one translation context — a DomainID for host (T=0) translations, a
/// guest context for trusted (T=1) ones — to a host page, with the walk's effective read/write permission.
/// </summary>
/// <remarks>
/// A hash index over (context, page size, page number) finds an entry in O(1); a lookup probes only the page sizes
/// present. An intrusive doubly linked list keeps the recency order. Nothing allocates after construction.
/// </remarks>
public sealed class Iotlb
{
    private const int SizeClasses = 3; // 4 KiB, 2 MiB, 1 GiB

    private readonly Slot[] _slots;
    private readonly int[] _buckets; // slot + 1 at the chain head; 0 = empty
    private readonly int _bucketMask;
    private readonly int[] _free;
    private readonly int[] _sizeCounts = new int[SizeClasses];
    private int _freeCount;
    private int _mru = -1;
    private int _lru = -1;

    public Iotlb(int entries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries, 1 << 20);
        Capacity = entries;
        _slots = new Slot[entries];
        _buckets = new int[(int)BitOperations.RoundUpToPowerOf2((uint)entries * 2)];
        _bucketMask = _buckets.Length - 1;
        _free = new int[entries];
        InvalidateAll();
    }

    public int Capacity { get; }

    /// <summary>Valid entries.</summary>
    public int Count => Capacity - _freeCount;

    /// <summary>Entries replaced to make room (LRU victims).</summary>
    public long Evictions { get; private set; }

    /// <summary>Looks up the translation of <paramref name="address"/> in <paramref name="context"/>; a hit becomes most recently used.</summary>
    /// <param name="context">Translation context (see <see cref="AmdIommu"/>: a DomainID, or a guest context for T=1).</param>
    /// <param name="address">The address to translate (any byte).</param>
    /// <param name="hostPhysicalAddress">The translated address of that byte.</param>
    /// <param name="read">Effective read permission of the cached walk.</param>
    /// <param name="write">Effective write permission of the cached walk.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLookup(uint context, ulong address, out ulong hostPhysicalAddress, out bool read, out bool write)
    {
        for (var sizeClass = 0; sizeClass < SizeClasses; sizeClass++)
        {
            if (_sizeCounts[sizeClass] == 0)
            {
                continue;
            }

            var shift = 12 + (9 * sizeClass);
            var page = address >> shift;
            for (var i = _buckets[Bucket(context, shift, page)] - 1; i >= 0; i = _slots[i].ChainNext)
            {
                ref var slot = ref _slots[i];
                if (slot.Page == page && slot.Context == context && slot.Shift == shift)
                {
                    if (i != _mru)
                    {
                        Unlink(i);
                        LinkFront(i);
                    }

                    hostPhysicalAddress = slot.HostBase | (address & ((1UL << shift) - 1));
                    read = slot.Read;
                    write = slot.Write;
                    return true;
                }
            }
        }

        hostPhysicalAddress = 0;
        read = write = false;
        return false;
    }

    /// <summary>Caches a translation; replaces the least recently used entry when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Insert(uint context, ulong address, IoPageSize size, ulong hostPageBase, bool read, bool write)
    {
        var shift = (int)size;
        var page = address >> shift;
        var bucket = Bucket(context, shift, page);
        for (var i = _buckets[bucket] - 1; i >= 0; i = _slots[i].ChainNext)
        {
            ref var existing = ref _slots[i];
            if (existing.Page == page && existing.Context == context && existing.Shift == shift)
            {
                existing.HostBase = hostPageBase;
                existing.Read = read;
                existing.Write = write;
                Unlink(i);
                LinkFront(i);
                return;
            }
        }

        InsertNew(context, shift, page, bucket, hostPageBase, read, write);
    }

    /// <summary>
    /// <see cref="Insert"/> for a translation <see cref="TryLookup"/> has just missed (nothing changed in between): no
    /// entry of that page can exist, so the IOMMU's miss path skips the search for one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void InsertAfterMiss(uint context, ulong address, IoPageSize size, ulong hostPageBase, bool read, bool write)
    {
        var shift = (int)size;
        var page = address >> shift;
        InsertNew(context, shift, page, Bucket(context, shift, page), hostPageBase, read, write);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InsertNew(uint context, int shift, ulong page, int bucket, ulong hostPageBase, bool read, bool write)
    {
        int index;
        if (_freeCount == 0)
        {
            // Full: the least recently used entry's slot takes the new translation (a streaming device misses on
            // every page, so this is the IOMMU's steady state).
            Evictions++;
            index = _lru;
            Unchain(index);
            Unlink(index);
        }
        else
        {
            index = _free[--_freeCount];
        }

        ref var slot = ref _slots[index];
        slot.Page = page;
        slot.Context = context;
        slot.Shift = (byte)shift;
        slot.HostBase = hostPageBase & ~((1UL << shift) - 1);
        slot.Read = read;
        slot.Write = write;
        slot.Valid = true;
        slot.Bucket = bucket;
        slot.ChainNext = _buckets[bucket] - 1;
        _buckets[bucket] = index + 1;
        _sizeCounts[(shift - 12) / 9]++;
        LinkFront(index);
    }

    /// <summary>Drops every entry of <paramref name="context"/> overlapping [<paramref name="address"/>, +<paramref name="length"/>) (INVALIDATE_IOMMU_PAGES).</summary>
    public void Invalidate(uint context, ulong address, ulong length)
    {
        var last = length == 0 ? address : address + (length - 1);
        for (var i = 0; i < _slots.Length; i++)
        {
            ref var slot = ref _slots[i];
            if (slot.Valid && slot.Context == context)
            {
                var start = slot.Page << slot.Shift;
                var end = start + ((1UL << slot.Shift) - 1);
                if (start <= last && address <= end)
                {
                    Remove(i);
                }
            }
        }
    }

    /// <summary>Drops every entry of <paramref name="context"/> (INVALIDATE_IOMMU_PAGES with S = 1 over the whole space).</summary>
    public void InvalidateContext(uint context)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Valid && _slots[i].Context == context)
            {
                Remove(i);
            }
        }
    }

    /// <summary>Drops everything (INVALIDATE_IOMMU_ALL).</summary>
    public void InvalidateAll()
    {
        Array.Clear(_slots);
        Array.Clear(_buckets);
        Array.Clear(_sizeCounts);
        for (var i = 0; i < _free.Length; i++)
        {
            _free[i] = _free.Length - 1 - i;
        }

        _freeCount = _free.Length;
        _mru = _lru = -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(uint context, int shift, ulong page)
    {
        var h = (page * 0x9E3779B97F4A7C15UL) ^ ((ulong)context * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)shift;
        return (int)(h >> 40) & _bucketMask;
    }

    private void Remove(int index)
    {
        Unchain(index);
        Unlink(index);
        _slots[index] = default;
        _free[_freeCount++] = index;
    }

    /// <summary>Takes a valid entry out of its hash chain and its size class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unchain(int index)
    {
        ref var slot = ref _slots[index];
        _sizeCounts[(slot.Shift - 12) / 9]--;
        var bucket = slot.Bucket;
        if (_buckets[bucket] - 1 == index)
        {
            _buckets[bucket] = slot.ChainNext + 1;
        }
        else
        {
            for (var i = _buckets[bucket] - 1; i >= 0; i = _slots[i].ChainNext)
            {
                if (_slots[i].ChainNext == index)
                {
                    _slots[i].ChainNext = slot.ChainNext;
                    break;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlink(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.Prev >= 0)
        {
            _slots[slot.Prev].Next = slot.Next;
        }
        else
        {
            _mru = slot.Next;
        }

        if (slot.Next >= 0)
        {
            _slots[slot.Next].Prev = slot.Prev;
        }
        else
        {
            _lru = slot.Prev;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LinkFront(int index)
    {
        ref var slot = ref _slots[index];
        slot.Prev = -1;
        slot.Next = _mru;
        if (_mru >= 0)
        {
            _slots[_mru].Prev = index;
        }

        _mru = index;
        if (_lru < 0)
        {
            _lru = index;
        }
    }

    private struct Slot
    {
        public ulong Page;
        public ulong HostBase;
        public uint Context;
        public int Prev;
        public int Next;
        public int ChainNext;

        /// <summary>The hash bucket whose chain holds the entry (kept, so an eviction does not hash again).</summary>
        public int Bucket;
        public byte Shift;
        public bool Read;
        public bool Write;
        public bool Valid;
    }
}
