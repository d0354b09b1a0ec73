using SevTio.Guest.Cpu;
using SevTio.Guest.Tsm;

namespace SevTio.Guest;

/// <summary>Guest kernel settings: CPU costs, the TSM's module parameters, SWIOTLB sizing.</summary>
public sealed record GuestKernelOptions
{
    public GuestCpuTiming Timing { get; init; } = new();

    public SevGuestTsmOptions Tsm { get; init; } = new();

    /// <summary>
    /// SWIOTLB pool size when the kernel carves it from RAM (the <c>swiotlb=</c> boot option); null → the SEV rule
    /// (6 % of RAM in [64 MiB, 1 GiB]). Ignored when the platform placed a pool.
    /// </summary>
    public ulong? SwiotlbSize { get; init; }

    /// <summary>SWIOTLB areas (Linux: one per possible CPU).</summary>
    public int SwiotlbAreas { get; init; } = 1;

    /// <summary>The sev-guest driver's <c>vmpck_id</c>: which VMPCK to read from the secrets page (VMPL0 guests use 0).</summary>
    public byte VmpckId { get; init; }

    /// <summary>Bounce copies move real bytes (functional) or are only charged (timing).</summary>
    public bool CopiesData { get; init; } = true;
}
