using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Rmp;

/// <summary>
/// One guest's GPA → system physical address mapping: the effect of its nested page table (NPT), page granular, with
/// 4 KiB and 2 MiB mappings. The hypervisor builds it; the guest CPU (<see cref="GuestMemoryView"/>) and the IOMMU's
/// trusted-DMA path translate through it, and the RMP's Reverse-Map check makes a wrong mapping harmless.
/// </summary>
/// <remarks>
/// Stored as 2 MiB regions (a leaf of 512 slots each) in a dictionary keyed by region, so any GPA up to 2^52 can be mapped
/// and memory grows with mapped regions; the last region looked up is remembered, so streaming accesses skip the hash.
/// Not thread-safe for concurrent changes.
/// </remarks>
public sealed class GuestPhysicalMap
{
    /// <summary>Largest GPA + 1 the map accepts (52-bit guest physical addresses).</summary>
    public const ulong MaxGuestPhysicalAddress = 1UL << 52;

    private const ulong PresentBit = 1;
    private const ulong LargeBit = 2;
    private const ulong AddressMask = ~PhysicalMemory.PageOffsetMask & (MaxGuestPhysicalAddress - 1);

    private readonly Dictionary<ulong, ulong[]> _regions = [];
    private ulong _lastRegion = ulong.MaxValue;
    private ulong[]? _lastLeaf;
    private long _mappedPages;

    /// <param name="asid">The guest's ASID (1 to 1023, the RMP entry's range).</param>
    public GuestPhysicalMap(int asid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(asid, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(asid, RmpEntry.MaxAsid);
        Asid = asid;
    }

    public int Asid { get; }

    /// <summary>4 KiB pages currently mapped (a 2 MiB mapping counts 512).</summary>
    public long MappedPages => _mappedPages;

    /// <summary>Maps <paramref name="gpa"/> to <paramref name="systemPhysicalAddress"/>, replacing any mapping there; both aligned to <paramref name="size"/>.</summary>
    public void Map(ulong gpa, ulong systemPhysicalAddress, RmpPageSize size = RmpPageSize.Size4K)
    {
        var bytes = size == RmpPageSize.Size2M ? RmpTable.Size2M : PhysicalMemory.PageSize;
        if ((gpa & (bytes - 1)) != 0 || (systemPhysicalAddress & (bytes - 1)) != 0)
        {
            throw new ArgumentException($"GPA 0x{gpa:X} and SPA 0x{systemPhysicalAddress:X} must be aligned to the {size} mapping");
        }

        if (gpa >= MaxGuestPhysicalAddress || systemPhysicalAddress >= MaxGuestPhysicalAddress)
        {
            throw new ArgumentOutOfRangeException(nameof(gpa), "addresses must be below 2^52");
        }

        var leaf = LeafFor(gpa, create: true)!;
        var first = (int)((gpa >> PhysicalMemory.PageShift) & (RmpTable.PagesPer2M - 1));
        var count = size == RmpPageSize.Size2M ? RmpTable.PagesPer2M : 1;
        var flags = PresentBit | (size == RmpPageSize.Size2M ? LargeBit : 0);
        for (var i = 0; i < count; i++)
        {
            if ((leaf[first + i] & PresentBit) == 0)
            {
                _mappedPages++;
            }

            leaf[first + i] = (systemPhysicalAddress + ((ulong)i << PhysicalMemory.PageShift)) | flags;
        }
    }

    /// <summary>Removes the mapping of <paramref name="gpa"/> (a whole 2 MiB mapping when <paramref name="size"/> is 2 MiB).</summary>
    public void Unmap(ulong gpa, RmpPageSize size = RmpPageSize.Size4K)
    {
        var leaf = LeafFor(gpa, create: false);
        if (leaf is null)
        {
            return;
        }

        var first = size == RmpPageSize.Size2M ? 0 : (int)((gpa >> PhysicalMemory.PageShift) & (RmpTable.PagesPer2M - 1));
        var count = size == RmpPageSize.Size2M ? RmpTable.PagesPer2M : 1;
        if (size == RmpPageSize.Size4K && (leaf[first] & LargeBit) != 0)
        {
            // Unmapping 4 KiB out of a 2 MiB mapping splits it, as the hypervisor splits the NPT entry.
            for (var i = 0; i < leaf.Length; i++)
            {
                leaf[i] &= ~LargeBit;
            }
        }

        for (var i = 0; i < count; i++)
        {
            if ((leaf[first + i] & PresentBit) != 0)
            {
                _mappedPages--;
                leaf[first + i] = 0;
            }
        }
    }

    /// <summary>Translates a GPA; false when it is not mapped.</summary>
    /// <param name="gpa">Guest physical address (any byte).</param>
    /// <param name="systemPhysicalAddress">The system physical address of that byte.</param>
    /// <param name="mappingSize">Size of the nested mapping that covers it (for the RMP Page-Size check).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTranslate(ulong gpa, out ulong systemPhysicalAddress, out RmpPageSize mappingSize)
    {
        var leaf = gpa >> 21 == _lastRegion ? _lastLeaf : LeafFor(gpa, create: false);
        if (leaf is not null)
        {
            var slot = leaf[(gpa >> PhysicalMemory.PageShift) & (RmpTable.PagesPer2M - 1)];
            if ((slot & PresentBit) != 0)
            {
                systemPhysicalAddress = (slot & AddressMask) | (gpa & PhysicalMemory.PageOffsetMask);
                mappingSize = (slot & LargeBit) != 0 ? RmpPageSize.Size2M : RmpPageSize.Size4K;
                return true;
            }
        }

        systemPhysicalAddress = 0;
        mappingSize = RmpPageSize.Size4K;
        return false;
    }

    private ulong[]? LeafFor(ulong gpa, bool create)
    {
        if (gpa >= MaxGuestPhysicalAddress)
        {
            return null;
        }

        var region = gpa >> 21;
        if (!_regions.TryGetValue(region, out var leaf))
        {
            if (!create)
            {
                return null;
            }

            leaf = new ulong[RmpTable.PagesPer2M];
            _regions.Add(region, leaf);
        }

        _lastRegion = region;
        _lastLeaf = leaf;
        return leaf;
    }
}
