namespace SevTio.Host.Memory;

/// <summary>
/// The hypervisor's allocator of 4 KiB host physical pages from one region (its share of DRAM). Pages come back in
/// address order from a bump pointer, then from the free list. Not thread-safe.
/// </summary>
public sealed class HostPageAllocator
{
    public const int PageSize = 4096;

    private readonly Stack<ulong> _free = new();
    private ulong _next;

    public HostPageAllocator(ulong baseAddress, ulong length)
    {
        if ((baseAddress & (PageSize - 1)) != 0 || length < PageSize)
        {
            throw new ArgumentException($"region 0x{baseAddress:X}+0x{length:X} must be page aligned and at least a page");
        }

        Base = baseAddress;
        End = baseAddress + (length & ~(ulong)(PageSize - 1));
        _next = baseAddress;
    }

    public ulong Base { get; }

    public ulong End { get; }

    public long PagesInUse { get; private set; }

    public ulong Allocate()
    {
        PagesInUse++;
        if (_free.Count > 0)
        {
            return _free.Pop();
        }

        if (_next >= End)
        {
            PagesInUse--;
            throw new InvalidOperationException($"host memory region 0x{Base:X}-0x{End:X} is exhausted");
        }

        var page = _next;
        _next += PageSize;
        return page;
    }

    /// <summary><paramref name="count"/> physically contiguous pages from the bump pointer.</summary>
    public ulong AllocateContiguous(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var bytes = (ulong)count * PageSize;
        if (End - _next < bytes)
        {
            throw new InvalidOperationException($"host memory region 0x{Base:X}-0x{End:X} has no {count} contiguous pages left");
        }

        var first = _next;
        _next += bytes;
        PagesInUse += count;
        return first;
    }

    public void Free(ulong page)
    {
        if (page < Base || page >= End || (page & (PageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(page), $"0x{page:X} is not a page of this allocator");
        }

        PagesInUse--;
        _free.Push(page);
    }
}
