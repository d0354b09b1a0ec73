namespace SevTio.Guest.Dma;

/// <summary>
/// A streaming DMA mapping (<c>dma_map_single</c>): the address the device uses, the CPU buffer it stands for, and the
/// SWIOTLB slot when it bounces (-1 for a direct mapping into private memory).
/// </summary>
public readonly record struct DmaMapping(ulong DmaAddress, ulong CpuAddress, int Length, DmaDirection Direction, int SwiotlbSlot)
{
    public bool Bounced => SwiotlbSlot >= 0;
}

/// <summary>
/// A coherent DMA buffer (<c>dma_alloc_coherent</c>): CPU and device address of the same pages — shared (converted with
/// <c>set_memory_decrypted</c>) for a device that is not accepted, private for an accepted one.
/// </summary>
public readonly record struct CoherentBuffer(ulong CpuAddress, ulong DmaAddress, long Pages, bool Shared)
{
    public long Size => Pages << 12;

    /// <summary>The C-bit the CPU uses to touch the buffer.</summary>
    public bool Encrypted => !Shared;
}
