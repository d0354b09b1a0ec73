namespace SevTio.Hw.Memory;

/// <summary>Direction of a memory access, as the RMP, the IOMMU and the event log distinguish it.</summary>
public enum MemoryAccess
{
    Read = 0,
    Write = 1,
}
