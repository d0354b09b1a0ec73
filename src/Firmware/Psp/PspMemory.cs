using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp;

/// <summary>Who must own a page a command names.</summary>
internal enum PageOwnerRequirement
{
    /// <summary>Assigned, ASID 0, Immutable: donated to the PSP (contexts, request, scratch, output, status pages).</summary>
    Firmware,

    /// <summary>Not assigned: the host's own page (the SPDM response buffer the host writes DOE replies into).</summary>
    Hypervisor,
}

/// <summary>
/// The PSP's privileged path to memory and the RMP: the page checks every command makes before it touches a buffer
/// (alignment, RMP coverage, ownership, page size, no page named twice), gathering an SLA's pages through its scatter
/// page, and raw reads and writes (the PSP bypasses the RMP; the checks above are what keep it honest).
/// </summary>
internal sealed class PspMemory
{
    public const int PageSize = PhysicalMemory.PageSize;

    private readonly PhysicalMemory _memory;
    private readonly RmpTable _rmp;
    private readonly Scheduler _scheduler;
    private readonly PspTiming _timing;

    public PspMemory(PhysicalMemory memory, RmpTable rmp, Scheduler scheduler, PspTiming timing)
    {
        _memory = memory;
        _rmp = rmp;
        _scheduler = scheduler;
        _timing = timing;
    }

    public RmpTable Rmp => _rmp;

    /// <summary>Checks one page address a command names (a status page, the guest context, a message page).</summary>
    public PspReturnCode CheckPage(ulong address, PageOwnerRequirement requirement)
    {
        if ((address & (PageSize - 1)) != 0)
        {
            return PspReturnCode.InvalidAddress;
        }

        if (!_rmp.IsCovered(address) || address >= _memory.Size || _rmp.IsInTable(address))
        {
            return PspReturnCode.InvalidAddress;
        }

        _scheduler.Advance(_timing.RmpAccess);
        var entry = _rmp.ReadEntry(address);
        return requirement switch
        {
            PageOwnerRequirement.Firmware when !(entry.Assigned && entry.Asid == 0 && entry.Immutable) => PspReturnCode.InvalidPageState,
            PageOwnerRequirement.Hypervisor when entry.Assigned => PspReturnCode.InvalidPageOwner,
            _ => PspReturnCode.Success,
        };
    }

    /// <summary>
    /// The data pages of a buffer named by <paramref name="sla"/>, each checked; a scatter page is checked with the same
    /// requirement and recorded in <paramref name="touched"/> along with the data pages.
    /// </summary>
    public PspReturnCode Gather(ScatterListAddress sla, PageOwnerRequirement requirement, List<ulong> pages, List<ulong> touched)
    {
        pages.Clear();
        if (sla.IsNull)
        {
            return PspReturnCode.InvalidParam;
        }

        if (sla.PageSize != SlaPageSize.Size4K)
        {
            return PspReturnCode.InvalidPageSize;
        }

        var status = CheckPage(sla.PhysicalAddress, requirement);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        touched.Add(sla.PhysicalAddress);
        if (sla.PageType == SlaPageType.Data)
        {
            pages.Add(sla.PhysicalAddress);
            return PspReturnCode.Success;
        }

        var scatter = new byte[PageSize];
        _memory.Read(sla.PhysicalAddress, scatter);
        ScatterListAddress[] entries;
        try
        {
            entries = ScatterPage.Decode(scatter);
        }
        catch (ProtocolFormatException)
        {
            return PspReturnCode.InvalidParam;
        }

        foreach (var entry in entries)
        {
            status = CheckPage(entry.PhysicalAddress, requirement);
            if (status != PspReturnCode.Success)
            {
                return status;
            }

            pages.Add(entry.PhysicalAddress);
            touched.Add(entry.PhysicalAddress);
        }

        return PspReturnCode.Success;
    }

    /// <summary>True when some page appears twice (two buffers of one command overlap, or a list names a page twice).</summary>
    public static bool HasDuplicates(List<ulong> pages)
    {
        var seen = new HashSet<ulong>();
        foreach (var page in pages)
        {
            if (!seen.Add(page))
            {
                return true;
            }
        }

        return false;
    }

    public byte[] ReadPages(IReadOnlyList<ulong> pages)
    {
        var bytes = new byte[pages.Count * PageSize];
        for (var i = 0; i < pages.Count; i++)
        {
            _memory.Read(pages[i], bytes.AsSpan(i * PageSize, PageSize));
        }

        return bytes;
    }

    /// <summary>Writes <paramref name="data"/> across the pages in order (no more than they hold).</summary>
    public void WritePages(IReadOnlyList<ulong> pages, ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < pages.Count && !data.IsEmpty; i++)
        {
            var chunk = Math.Min(PageSize, data.Length);
            _memory.Write(pages[i], data[..chunk]);
            data = data[chunk..];
        }
    }

    /// <summary>Scrubs pages the PSP gives back (reclaim, context teardown).</summary>
    public void ClearPages(IReadOnlyList<ulong> pages)
    {
        foreach (var page in pages)
        {
            _memory.Clear(page, PageSize);
        }
    }

    public void Read(ulong address, Span<byte> destination) => _memory.Read(address, destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) => _memory.Write(address, source);

    /// <summary>The PSP's privileged RMP write (no instruction rule applies).</summary>
    public RmpStatus WriteEntry(ulong address, RmpEntry entry)
    {
        _scheduler.Advance(_timing.RmpAccess);
        return _rmp.FirmwareWriteEntry(address, entry);
    }

    public RmpEntry ReadEntry(ulong address)
    {
        _scheduler.Advance(_timing.RmpAccess);
        return _rmp.ReadEntry(address);
    }
}
