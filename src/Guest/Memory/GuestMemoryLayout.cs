using SevTio.Hw.Memory;

namespace SevTio.Guest.Memory;

/// <summary>
/// The guest-physical memory the platform hands the guest kernel at launch: what the launch flow (RMPUPDATE by the
/// host, SNP_LAUNCH_UPDATE by the PSP, PVALIDATE) has already set up, so the kernel can start.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>RAM</b> [<see cref="RamBase"/>, +<see cref="RamSize"/>): private pages assigned to the guest's ASID in the
/// RMP and mapped in the nested page table; validated at launch (<see cref="RamValidated"/>), or the kernel PVALIDATEs
/// them at boot. The kernel allocates DMA buffers, coherent buffers and — when the host placed none — the SWIOTLB pool
/// from it. The secrets page (<see cref="SecretsGpa"/>) and page 0 are never handed out.</item>
/// <item><b>GHCB</b> (<see cref="GhcbGpa"/>): one hypervisor-owned page, registered with the vCPU at boot.</item>
/// <item><b>Shared pool</b> [<see cref="SharedBase"/>, +<see cref="SharedSize"/>), optional: hypervisor-owned pages the
/// VMM mapped for the kernel's own I/O buffers (guest-message pages, blob buffers), so the trust flow needs no
/// page-state change. When it is absent or full the kernel converts RAM pages (GHCB page-state change).</item>
/// <item><b>SWIOTLB</b> [<see cref="SwiotlbBase"/>, +<see cref="SwiotlbSize"/>), optional: a bounce pool the host placed
/// in shared memory. Absent (size 0), the kernel carves the pool from RAM and converts it to shared at boot.</item>
/// </list>
/// </remarks>
public sealed record GuestMemoryLayout
{
    public required ulong RamBase { get; init; }

    public required ulong RamSize { get; init; }

    public required ulong GhcbGpa { get; init; }

    public ulong SharedBase { get; init; }

    public ulong SharedSize { get; init; }

    public ulong SwiotlbBase { get; init; }

    public ulong SwiotlbSize { get; init; }

    /// <summary>The SNP secrets page (private, inside RAM, filled by the PSP at launch), if the guest reads its VMPCK there.</summary>
    public ulong? SecretsGpa { get; init; }

    /// <summary>False when launch assigned the RAM pages but left them unvalidated: the kernel validates them at boot.</summary>
    public bool RamValidated { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when a region is unaligned, empty where required, or overlaps another.</summary>
    public GuestMemoryLayout Validate()
    {
        CheckRegion(RamBase, RamSize, "RAM", required: true);
        CheckRegion(SharedBase, SharedSize, "shared pool", required: false);
        CheckRegion(SwiotlbBase, SwiotlbSize, "SWIOTLB pool", required: false);
        if (GhcbGpa == 0 || (GhcbGpa & PhysicalMemory.PageOffsetMask) != 0)
        {
            throw new ArgumentException($"the GHCB GPA 0x{GhcbGpa:X} must be a non-zero 4 KiB aligned page (0 means 'no GHCB')");
        }

        CheckDisjoint(RamBase, RamSize, GhcbGpa, PhysicalMemory.PageSize, "RAM", "GHCB");
        CheckDisjoint(RamBase, RamSize, SharedBase, SharedSize, "RAM", "shared pool");
        CheckDisjoint(GhcbGpa, PhysicalMemory.PageSize, SharedBase, SharedSize, "GHCB", "shared pool");
        CheckDisjoint(RamBase, RamSize, SwiotlbBase, SwiotlbSize, "RAM", "SWIOTLB pool");
        CheckDisjoint(GhcbGpa, PhysicalMemory.PageSize, SwiotlbBase, SwiotlbSize, "GHCB", "SWIOTLB pool");
        CheckDisjoint(SharedBase, SharedSize, SwiotlbBase, SwiotlbSize, "shared pool", "SWIOTLB pool");
        if (SecretsGpa is { } secrets && ((secrets & PhysicalMemory.PageOffsetMask) != 0 || secrets < RamBase || secrets - RamBase >= RamSize))
        {
            throw new ArgumentException($"the secrets page 0x{secrets:X} must be a page of RAM");
        }

        return this;
    }

    private static void CheckRegion(ulong start, ulong size, string name, bool required)
    {
        if (required && size == 0)
        {
            throw new ArgumentException($"the {name} must not be empty");
        }

        if (((start | size) & PhysicalMemory.PageOffsetMask) != 0)
        {
            throw new ArgumentException($"the {name} [0x{start:X}, +0x{size:X}) must be 4 KiB aligned");
        }

        if (start + size < start)
        {
            throw new ArgumentException($"the {name} wraps the address space");
        }
    }

    private static void CheckDisjoint(ulong a, ulong aSize, ulong b, ulong bSize, string aName, string bName)
    {
        if (aSize != 0 && bSize != 0 && a < b + bSize && b < a + aSize)
        {
            throw new ArgumentException($"the {aName} and the {bName} overlap");
        }
    }
}
