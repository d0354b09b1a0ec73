namespace SevTio.Host.Snp;

/// <summary>How the hypervisor lays out an SNP guest.</summary>
public sealed record SnpGuestConfiguration
{
    /// <summary>Private RAM from GPA 0 (<c>guest.memory</c>); a multiple of 2 MiB.</summary>
    public ulong MemoryBytes { get; init; } = 16UL << 20;

    /// <summary>
    /// GPA where private RAM starts (a multiple of 2 MiB; 0 by default). A platform may place RAM above 4 GiB, as the
    /// "above 4G" RAM of a real VM, so device DMA to it uses 64-bit addresses; the shared window follows RAM.
    /// </summary>
    public ulong RamBase { get; init; }

    /// <summary>The ASID to launch with; null takes the lowest free one.</summary>
    public int? Asid { get; init; }

    /// <summary>
    /// Have the PSP zero and validate every RAM page at launch (SNP_LAUNCH_UPDATE zero pages). When false the pages are
    /// assigned but not validated, and the guest PVALIDATEs what it uses.
    /// </summary>
    public bool PrevalidateMemory { get; init; }

    /// <summary>GPA of the secrets page (a RAM page the PSP fills with the VMPCKs); null = the last RAM page.</summary>
    public ulong? SecretsGpa { get; init; }

    /// <summary>
    /// SWIOTLB bounce pool in shared memory; 0 = the SEV guest rule (6 % of RAM, clamped to [64 MiB, 1 GiB],
    /// arch/x86/mm/mem_encrypt.c).
    /// </summary>
    public ulong SwiotlbBytes { get; init; }

    /// <summary>Extra shared pages the VMM maps for the guest's I/O buffers (message pages, blob buffer).</summary>
    public ulong SharedBufferBytes { get; init; } = 64UL << 10;

    /// <summary>TEE MMIO pages of an assigned TDI appear to the guest at host address + this offset.</summary>
    public ulong GuestMmioOffset { get; init; }

    /// <summary>The Linux SEV guest's SWIOTLB size for <paramref name="memoryBytes"/> of RAM.</summary>
    public static ulong DefaultSwiotlbBytes(ulong memoryBytes) => Math.Clamp(memoryBytes * 6 / 100, 64UL << 20, 1UL << 30);
}
