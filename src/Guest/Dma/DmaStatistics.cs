namespace SevTio.Guest.Dma;

/// <summary>Counts of the DMA API's work (plain fields; the CPU time is in <see cref="Cpu.GuestCpuAccounting"/>).</summary>
public sealed class DmaStatistics
{
    internal long _directMaps;
    internal long _bouncedMaps;
    internal long _mapFailures;
    internal long _coherentAllocations;
    internal long _coherentSharedPages;

    /// <summary>Streaming mappings that went straight to private memory (accepted device).</summary>
    public long DirectMaps => _directMaps;

    /// <summary>Streaming mappings that took SWIOTLB slots.</summary>
    public long BouncedMaps => _bouncedMaps;

    /// <summary>Mappings refused (SWIOTLB full, too large, or a CPU fault while copying).</summary>
    public long MapFailures => _mapFailures;

    public long CoherentAllocations => _coherentAllocations;

    /// <summary>Pages of coherent buffers converted to shared.</summary>
    public long CoherentSharedPages => _coherentSharedPages;

    public void Reset()
    {
        _directMaps = 0;
        _bouncedMaps = 0;
        _mapFailures = 0;
        _coherentAllocations = 0;
        _coherentSharedPages = 0;
    }
}
