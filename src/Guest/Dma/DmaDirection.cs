namespace SevTio.Guest.Dma;

/// <summary><c>enum dma_data_direction</c>.</summary>
public enum DmaDirection
{
    Bidirectional = 0,
    ToDevice = 1,
    FromDevice = 2,
}

/// <summary>DMA attributes (<c>DMA_ATTR_*</c>) the model honours.</summary>
[Flags]
public enum DmaAttributes : ulong
{
    None = 0,

    /// <summary><c>DMA_ATTR_SKIP_CPU_SYNC</c>: the driver syncs explicitly; map and unmap do not copy.</summary>
    SkipCpuSync = 1UL << 5,
}
