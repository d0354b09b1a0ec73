namespace SevTio.Hw.Device;

/// <summary>What a descriptor asks the DMA engine to do.</summary>
public enum DmaOpcode : byte
{
    /// <summary>Device memory → host memory: DMA writes (MWr).</summary>
    Write = 1,

    /// <summary>Host memory → device memory: DMA reads (MRd, answered by CplD).</summary>
    Read = 2,
}
