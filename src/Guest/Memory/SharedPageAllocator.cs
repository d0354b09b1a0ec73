namespace SevTio.Guest.Memory;

/// <summary>
/// Shared (hypervisor-visible) pages for the kernel's own use: guest-message pages and blob buffers (Linux
/// <c>alloc_shared_pages</c>). Taken from the shared window the platform mapped at launch when it has room; otherwise
/// private RAM pages converted with <see cref="PageStateConverter.MakeShared"/>, and converted back on free.
/// </summary>
public sealed class SharedPageAllocator
{
    private readonly GuestPageAllocator? _window;
    private readonly GuestPageAllocator _ram;
    private readonly PageStateConverter _converter;

    /// <param name="window">Pre-shared pages (may be null: every allocation converts).</param>
    /// <param name="ram">Private RAM to convert from.</param>
    /// <param name="converter">The page-state converter.</param>
    public SharedPageAllocator(GuestPageAllocator? window, GuestPageAllocator ram, PageStateConverter converter)
    {
        ArgumentNullException.ThrowIfNull(ram);
        ArgumentNullException.ThrowIfNull(converter);
        _window = window;
        _ram = ram;
        _converter = converter;
    }

    /// <summary>Allocates <paramref name="pages"/> contiguous shared pages: ENOMEM, or EIO if a conversion failed.</summary>
    public Errno Allocate(long pages, out ulong gpa)
    {
        if (_window is not null && _window.TryAllocate(pages, out gpa))
        {
            return Errno.None;
        }

        if (!_ram.TryAllocate(pages, out gpa))
        {
            return Errno.ENOMEM;
        }

        var error = _converter.MakeShared(gpa, pages);
        if (error != Errno.None)
        {
            // Linux leaks pages whose state is unknown rather than reuse them; so does this allocator.
            gpa = 0;
        }

        return error;
    }

    /// <summary>Returns shared pages; converted ones go back to private first (EIO if that fails: they are then leaked).</summary>
    public Errno Free(ulong gpa, long pages)
    {
        if (_window is not null && _window.Contains(gpa))
        {
            _window.Free(gpa, pages);
            return Errno.None;
        }

        var error = _converter.MakePrivate(gpa, pages);
        if (error == Errno.None)
        {
            _ram.Free(gpa, pages);
        }

        return error;
    }
}
