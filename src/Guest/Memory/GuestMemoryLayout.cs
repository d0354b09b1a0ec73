using SevTio.Hw.Memory;

namespace SevTio.Guest.Memory;

/// <summary>
/// The guest-physical memory the platform hands the guest kernel at launch: what the launch flow (RMPUPDATE by the
/// host, PVALIDATE by guest firmware) has already done, so the kernel can start.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>RAM</b> [<see cref="RamBase"/>, +<see cref="RamSize"/>): private pages assigned to the guest's ASID in the
/// RMP, mapped in the nested page table and validated. The kernel allocates DMA buffers, coherent buffers and the
/// SWIOTLB pool (when the host did not place one) from it.</item>
/// <item><b>Shared window</b> [<see cref="SharedBase"/>, +<see cref="SharedSize"/>): hypervisor-owned pages, mapped. The
/// first page becomes the GHCB; the rest is a pool of shared pages for guest-message pages and blob buffers, so the
/// trust flow needs no page-state change. When it runs out the kernel converts RAM pages (GHCB page-state change).</item>
/// <item><b>SWIOTLB</b> [<see cref="SwiotlbBase"/>, +<see cref="SwiotlbSize"/>), optional: a bounce pool the host placed
/// in shared memory. Absent (size 0), the kernel carves the pool from RAM and converts it to shared at boot.</item>
/// </list>
/// </remarks>
public sealed record GuestMemoryLayout
{
    public required ulong RamBase { get; init; }

    public required ulong RamSize { get; init; }

    public required ulong SharedBase { get; init; }

    public required ulong SharedSize { get; init; }

    public ulong SwiotlbBase { get; init; }

    public ulong SwiotlbSize { get; init; }

    /// <summary>The GHCB: the first page of the shared window.</summary>
    public ulong GhcbGpa => SharedBase;

    /// <summary>Throws <see cref="ArgumentException"/> when a region is unaligned, empty where required, or overlaps another.</summary>
    public GuestMemoryLayout Validate()
    {
        CheckRegion(RamBase, RamSize, "RAM", required: true);
        CheckRegion(SharedBase, SharedSize, "shared window", required: true);
        CheckRegion(SwiotlbBase, SwiotlbSize, "SWIOTLB pool", required: false);
        if (SharedBase == 0)
        {
            throw new ArgumentException("the shared window cannot start at GPA 0: the GHCB address 0 means 'no GHCB'");
        }

        CheckDisjoint(RamBase, RamSize, SharedBase, SharedSize, "RAM", "shared window");
        if (SwiotlbSize != 0)
        {
            CheckDisjoint(RamBase, RamSize, SwiotlbBase, SwiotlbSize, "RAM", "SWIOTLB pool");
            CheckDisjoint(SharedBase, SharedSize, SwiotlbBase, SwiotlbSize, "shared window", "SWIOTLB pool");
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
        if (a < b + bSize && b < a + aSize)
        {
            throw new ArgumentException($"the {aName} and the {bName} overlap");
        }
    }
}
