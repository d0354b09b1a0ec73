namespace SevTio.Guest.Drivers;

/// <summary>How the driver's DMA reaches guest memory for a workload.</summary>
public enum ModelDmaPath
{
    None,

    /// <summary>The device is accepted: one streaming mapping of the private window, the device DMAs into it (T=1).</summary>
    Direct,

    /// <summary>The device is not accepted: every job's chunk is mapped through SWIOTLB (CPU copies, T=0 into shared slots).</summary>
    Bounce,

    /// <summary>The window is a coherent buffer the DMA API shared with the host (converted once); T=0, no copies.</summary>
    SharedCoherent,
}
