using SevTio.Hw.Memory;

namespace SevTio.Guest.Memory;

/// <summary>
/// A contiguous page allocator over one range of guest-physical addresses (the guest kernel's page allocator, reduced
/// to what DMA needs: physically contiguous runs with an alignment). A bitmap, first fit from a rotating hint.
/// </summary>
/// <remarks>Allocations are rare (buffers are set up once per driver bind), so a linear scan is fine.</remarks>
public sealed class GuestPageAllocator
{
    private readonly ulong[] _used;
    private readonly long _pages;
    private long _hint;
    private long _free;

    public GuestPageAllocator(ulong baseGpa, ulong size)
    {
        if (((baseGpa | size) & PhysicalMemory.PageOffsetMask) != 0 || size == 0)
        {
            throw new ArgumentException($"range [0x{baseGpa:X}, +0x{size:X}) must be non-empty and 4 KiB aligned");
        }

        BaseGpa = baseGpa;
        _pages = (long)(size >> PhysicalMemory.PageShift);
        _used = new ulong[(_pages + 63) / 64];
        _free = _pages;
    }

    public ulong BaseGpa { get; }

    public long TotalPages => _pages;

    public long FreePages => _free;

    public bool Contains(ulong gpa) => gpa >= BaseGpa && (long)((gpa - BaseGpa) >> PhysicalMemory.PageShift) < _pages;

    /// <summary>
    /// Allocates <paramref name="pages"/> contiguous pages whose first GPA is a multiple of
    /// <paramref name="alignPages"/> pages (a power of two). False when no run is free.
    /// </summary>
    public bool TryAllocate(long pages, out ulong gpa, long alignPages = 1)
    {
        gpa = 0;
        if (pages <= 0 || pages > _free || alignPages <= 0 || (alignPages & (alignPages - 1)) != 0)
        {
            return false;
        }

        for (var pass = 0; pass < 2; pass++)
        {
            var start = pass == 0 ? _hint : 0;
            var limit = pass == 0 ? _pages : Math.Min(_hint + pages, _pages);
            for (var first = AlignUp(start, alignPages); first + pages <= limit;)
            {
                var busy = FirstUsed(first, pages);
                if (busy < 0)
                {
                    Mark(first, pages, used: true);
                    _free -= pages;
                    _hint = first + pages;
                    gpa = BaseGpa + ((ulong)first << PhysicalMemory.PageShift);
                    return true;
                }

                first = AlignUp(busy + 1, alignPages);
            }
        }

        return false;
    }

    /// <summary>Takes pages out of circulation (firmware-owned pages inside RAM, such as the secrets page).</summary>
    public void Reserve(ulong gpa, long pages)
    {
        if (!Contains(gpa) || (gpa & PhysicalMemory.PageOffsetMask) != 0 || pages <= 0 || (long)((gpa - BaseGpa) >> PhysicalMemory.PageShift) + pages > _pages)
        {
            throw new ArgumentException($"0x{gpa:X} (+{pages} pages) is not inside the range");
        }

        var first = (long)((gpa - BaseGpa) >> PhysicalMemory.PageShift);
        if (FirstUsed(first, pages) >= 0)
        {
            throw new InvalidOperationException($"0x{gpa:X} (+{pages} pages) is already in use");
        }

        Mark(first, pages, used: true);
        _free -= pages;
    }

    /// <summary>Returns pages to the allocator; freeing pages that are not allocated is a kernel bug and throws.</summary>
    public void Free(ulong gpa, long pages)
    {
        if (!Contains(gpa) || (gpa & PhysicalMemory.PageOffsetMask) != 0 || pages <= 0)
        {
            throw new ArgumentException($"0x{gpa:X} (+{pages} pages) was not allocated here");
        }

        var first = (long)((gpa - BaseGpa) >> PhysicalMemory.PageShift);
        if (first + pages > _pages)
        {
            throw new ArgumentException($"0x{gpa:X} (+{pages} pages) runs past the range");
        }

        for (var p = first; p < first + pages; p++)
        {
            if (!IsUsed(p))
            {
                throw new InvalidOperationException($"double free of page 0x{BaseGpa + ((ulong)p << PhysicalMemory.PageShift):X}");
            }
        }

        Mark(first, pages, used: false);
        _free += pages;
    }

    private static long AlignUp(long value, long align) => (value + align - 1) & ~(align - 1);

    private bool IsUsed(long page) => (_used[page >> 6] & (1UL << (int)(page & 63))) != 0;

    private long FirstUsed(long first, long count)
    {
        for (var p = first + count - 1; p >= first; p--)
        {
            if (IsUsed(p))
            {
                return p;
            }
        }

        return -1;
    }

    private void Mark(long first, long count, bool used)
    {
        for (var p = first; p < first + count; p++)
        {
            if (used)
            {
                _used[p >> 6] |= 1UL << (int)(p & 63);
            }
            else
            {
                _used[p >> 6] &= ~(1UL << (int)(p & 63));
            }
        }
    }
}
