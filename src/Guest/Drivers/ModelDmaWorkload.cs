namespace SevTio.Guest.Drivers;

/// <summary>A bulk DMA workload as the driver is asked to run it (the CLI's <c>workload.*</c>).</summary>
public sealed record ModelDmaWorkload
{
    /// <summary>True: the device writes into guest memory (FROM_DEVICE); false: it reads guest memory (TO_DEVICE).</summary>
    public bool DeviceWrites { get; init; } = true;

    public int TransferSize { get; init; } = 4096;

    public long TotalBytes { get; init; } = 256L << 20;

    /// <summary>The guest buffer the transfers land in.</summary>
    public ulong WindowBytes { get; init; } = 64UL << 20;

    public bool Random { get; init; }

    public uint Seed { get; init; } = 1;

    /// <summary>Most bytes one descriptor describes (a bounced job is also capped at one SWIOTLB mapping, 256 KiB).</summary>
    public long JobBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Put the window in coherent (shared, for a device outside the guest's trust) memory and let the device DMA into it
    /// directly — the way a driver shares data it does not protect; false: streaming mappings of a private buffer
    /// (direct for an accepted device, bounced through SWIOTLB otherwise).
    /// </summary>
    public bool SharedWindow { get; init; }

    public long TotalTransfers => (TotalBytes + TransferSize - 1) / TransferSize;
}
