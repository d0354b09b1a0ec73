using SevTio.Guest.Cpu;
using SevTio.Guest.Ghcb;
using SevTio.Hw.Cpu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Memory;

/// <summary>
/// <c>set_memory_decrypted</c> and <c>set_memory_encrypted</c> of an SNP guest (arch/x86/coco/sev/core.c
/// <c>__set_pages_state</c>): flush the pages from the caches, then for private → shared rescind the validation with
/// PVALIDATE and ask the hypervisor (GHCB page-state change, which RMPUPDATEs the pages), and for shared → private ask
/// first and PVALIDATE after; a TLB flush ends the call. The pages' contents do not survive a conversion.
/// </summary>
/// <remarks>
/// Every step is charged to the guest CPU (<see cref="GuestCpuTiming"/>) and the whole call, exits included, is counted
/// in <see cref="GuestCpuAccounting.ConversionTime"/>. A failed PVALIDATE or page-state change is fatal in Linux
/// (the guest terminates); here it returns EIO after restoring the validation it had rescinded.
/// </remarks>
public sealed class PageStateConverter
{
    private readonly GuestVcpu _vcpu;
    private readonly GhcbClient _ghcb;
    private readonly GuestCpuTiming _timing;
    private readonly GuestCpuAccounting _accounting;

    public PageStateConverter(GhcbClient ghcb, GuestCpuTiming timing, GuestCpuAccounting accounting)
    {
        ArgumentNullException.ThrowIfNull(ghcb);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(accounting);
        _ghcb = ghcb;
        _vcpu = ghcb.Vcpu;
        _timing = timing;
        _accounting = accounting;
    }

    /// <summary>Private → shared (<c>set_memory_decrypted</c>) for <paramref name="pages"/> pages at <paramref name="gpa"/>.</summary>
    public Errno MakeShared(ulong gpa, long pages)
    {
        var start = _vcpu.Scheduler.Now;
        var error = Errno.None;
        _vcpu.Scheduler.Advance(_timing.PageFlushCost * pages);
        long rescinded = 0;
        for (; rescinded < pages; rescinded++)
        {
            if (!Pvalidate(gpa + ((ulong)rescinded << PhysicalMemory.PageShift), validate: false))
            {
                error = Errno.EIO;
                break;
            }
        }

        if (error == Errno.None)
        {
            error = _ghcb.PageStateChange(gpa, pages, PageStateOperation.Shared);
        }

        if (error != Errno.None)
        {
            // Put back what was rescinded; pages the host already made shared fail PVALIDATE and stay shared.
            for (long i = 0; i < rescinded; i++)
            {
                Pvalidate(gpa + ((ulong)i << PhysicalMemory.PageShift), validate: true);
            }
        }

        Finish(start, pages);
        return error;
    }

    /// <summary>Shared → private (<c>set_memory_encrypted</c>) for <paramref name="pages"/> pages at <paramref name="gpa"/>.</summary>
    public Errno MakePrivate(ulong gpa, long pages)
    {
        var start = _vcpu.Scheduler.Now;
        _vcpu.Scheduler.Advance(_timing.PageFlushCost * pages);
        var error = _ghcb.PageStateChange(gpa, pages, PageStateOperation.Private);
        for (long i = 0; error == Errno.None && i < pages; i++)
        {
            if (!Pvalidate(gpa + ((ulong)i << PhysicalMemory.PageShift), validate: true))
            {
                error = Errno.EIO;
            }
        }

        Finish(start, pages);
        return error;
    }

    private bool Pvalidate(ulong gpa, bool validate)
    {
        _vcpu.Scheduler.Advance(_timing.PvalidateCost);

        // NoUpdate is a failure too: Linux treats PVALIDATE_FAIL_NOUPDATE as a broken page state.
        return _vcpu.Memory.Pvalidate(gpa, RmpPageSize.Size4K, validate).Status == RmpStatus.Success;
    }

    private void Finish(Hw.Simulation.SimTime start, long pages)
    {
        _vcpu.Scheduler.Advance(_timing.TlbFlushCost);
        _accounting._conversions++;
        _accounting._convertedPages += pages;
        _accounting._conversionTime += _vcpu.Scheduler.Now - start;
    }
}
