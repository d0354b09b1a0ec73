namespace SevTio.Hw.Iommu;

/// <summary>Leaf sizes of the AMD v1 host I/O page table: a leaf (NextLevel = 0) at level 1, 2 or 3.</summary>
public enum IoPageSize
{
    /// <summary>A PTE in a level-1 table.</summary>
    Size4K = 12,

    /// <summary>A leaf in a level-2 table.</summary>
    Size2M = 21,

    /// <summary>A leaf in a level-3 table.</summary>
    Size1G = 30,
}
