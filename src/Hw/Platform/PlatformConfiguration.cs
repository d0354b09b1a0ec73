using System.Globalization;
using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>
/// Everything that fixes a <see cref="SevTioPlatform"/>: the link, IDE, IOMMU, host, device and simulation settings of
/// DESIGN.md's command line, typed. Keys in <see cref="ParameterException"/>s match the CLI's.
/// </summary>
public sealed record PlatformConfiguration
{
    public LinkParameters Link { get; init; } = new();

    /// <summary><c>ide.enabled</c>: the device's requests travel on a Selective IDE stream with T=1 from a TDI in RUN.</summary>
    public bool IdeEnabled { get; init; } = true;

    /// <summary><c>ide.aggregation</c>: TLPs per MAC for posted requests and completions (read requests always close their unit).</summary>
    public int IdeAggregation { get; init; } = 1;

    /// <summary><c>ide.pcrc</c>.</summary>
    public bool IdePcrc { get; init; }

    /// <summary><c>iommu.enabled</c>: T=0 DMA is translated through host I/O page tables (otherwise the DTE is invalid and passes through).</summary>
    public bool IommuEnabled { get; init; } = true;

    /// <summary><c>iommu.iotlb_entries</c>.</summary>
    public int IotlbEntries { get; init; } = 64;

    /// <summary><c>iommu.page_size</c>: the page size DMA memory is mapped with (nested mapping and RMP for T=1, I/O page table for T=0).</summary>
    public IoPageSize PageSize { get; init; } = IoPageSize.Size4K;

    /// <summary><c>host.read_latency</c>.</summary>
    public SimTime HostReadLatency { get; init; } = SimTime.FromNanoseconds(550);

    /// <summary><c>device.read_tags</c>.</summary>
    public int ReadTags { get; init; } = 32;

    /// <summary>Device memory (data buffers) in bytes, a power of two.</summary>
    public long DeviceMemoryBytes { get; init; } = 4L << 20;

    /// <summary><c>crypto.mode</c>.</summary>
    public CryptoMode Crypto { get; init; } = CryptoMode.Functional;

    /// <summary><c>sim.fidelity</c>.</summary>
    public SimulationFidelity Fidelity { get; init; } = SimulationFidelity.Burst;

    /// <summary>Threads of the burst level's functional data path: 1 (inline) or 2. Simulated results do not depend on it.</summary>
    public int Workers { get; init; } = 2;

    /// <summary><c>seed</c>: IDE keys, memory keys and random placement derive from it.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Guest memory mapped for DMA (at GPA 4 GiB): at least <c>workload.window</c>.</summary>
    public ulong DmaWindowBytes { get; init; } = 64UL << 20;

    /// <summary>AES key size of the memory controller's guest keys (128 as Zen 3/4, or 256).</summary>
    public int MemoryKeyBits { get; init; } = 128;

    /// <summary><c>faults.tlp_corruption_rate</c>: injected corrupted TLPs per IDE-protected write TLP of the device.</summary>
    public double TlpCorruptionRate { get; init; }

    /// <summary><c>faults.tlp_drop_rate</c>: injected dropped TLPs per IDE-protected write TLP of the device.</summary>
    public double TlpDropRate { get; init; }

    /// <summary>Largest DMA window the model maps (bring-up maps and validates every page of it).</summary>
    public const ulong MaxDmaWindowBytes = 16UL << 30;

    public PlatformConfiguration Validate()
    {
        Link.Validate();
        new IdeLinkOverhead(IdeEnabled, IdeAggregation, IdePcrc).Validate();
        if (IdeEnabled && IdeAggregation * Link.MaxPayloadSize > 1024 && IdeAggregation > 1)
        {
            throw new ParameterException("ide.aggregation", IdeAggregation.ToString(CultureInfo.InvariantCulture), $"with link.mps={Link.MaxPayloadSize}B exceeds the 1 KiB payload limit of an aggregated IDE unit");
        }

        if (IotlbEntries is < 1 or > (1 << 20))
        {
            throw new ParameterException("iommu.iotlb_entries", IotlbEntries.ToString(CultureInfo.InvariantCulture), "must be 1 to 1048576");
        }

        if (IdeEnabled && PageSize == IoPageSize.Size1G)
        {
            throw new ParameterException("iommu.page_size", "1GiB", "cannot map trusted (T=1) DMA memory: the RMP and the guest's nested mapping have 4 KiB and 2 MiB pages only (use 2MiB, or ide.enabled=false)");
        }

        if (IdeEnabled && !IommuEnabled)
        {
            throw new ParameterException("iommu.enabled", "false", "needs ide.enabled=false: trusted DMA into private memory is always checked by the IOMMU (secure device table, RMP)");
        }

        if (HostReadLatency < SimTime.Zero)
        {
            throw new ParameterException("host.read_latency", HostReadLatency.ToString(), "must not be negative");
        }

        if (ReadTags is < 1 or > 1024)
        {
            throw new ParameterException("device.read_tags", ReadTags.ToString(CultureInfo.InvariantCulture), "must be 1-1024 (10-bit tags)");
        }

        if (Workers is < 1 or > 2)
        {
            throw new ParameterException("sim.workers", Workers.ToString(CultureInfo.InvariantCulture), "must be 1 or 2");
        }

        if (DmaWindowBytes < 4096 || DmaWindowBytes > MaxDmaWindowBytes)
        {
            throw new ParameterException("workload.window", DmaWindowBytes.ToString(CultureInfo.InvariantCulture), $"must be 4 KiB to {MaxDmaWindowBytes >> 30} GiB (bring-up maps and validates every page of it)");
        }

        if (MemoryKeyBits is not (128 or 256))
        {
            throw new ParameterException("memory.key_bits", MemoryKeyBits.ToString(CultureInfo.InvariantCulture), "must be 128 or 256");
        }

        if (!(TlpCorruptionRate >= 0 && TlpDropRate >= 0 && TlpCorruptionRate + TlpDropRate <= 1))
        {
            throw new ParameterException("faults.tlp_corruption_rate", TlpCorruptionRate.ToString(CultureInfo.InvariantCulture), "with faults.tlp_drop_rate must be in [0, 1] and sum to at most 1");
        }

        if (TlpCorruptionRate + TlpDropRate > 0 && Fidelity == SimulationFidelity.Packet && Crypto == CryptoMode.Timing)
        {
            throw new ParameterException("faults.tlp_corruption_rate", TlpCorruptionRate.ToString(CultureInfo.InvariantCulture), "packet-level link faults need crypto.mode=functional (the root port's real IDE check detects them)");
        }

        return this;
    }
}
