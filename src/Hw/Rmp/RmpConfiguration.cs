using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>Where the RMP lives and what it covers, and the RMP entry cache.</summary>
public sealed record RmpConfiguration
{
    /// <summary>
    /// System physical address of the RMP's first byte (MSR RMP_BASE); 8 KiB aligned (APM §15.36.4). The RMP occupies
    /// 16 KiB of processor bookkeeping followed by one 16-byte entry per covered 4 KiB page.
    /// </summary>
    public required ulong RmpBase { get; init; }

    /// <summary>Bytes of system physical address space the RMP covers, from 0; a multiple of 2 MiB. Pages beyond are hypervisor-owned.</summary>
    public required ulong CoveredBytes { get; init; }

    /// <summary>Entries of the RMP entry cache (direct-mapped, a power of two; <c>rmp.cache_entries</c>).</summary>
    public int CacheEntries { get; init; } = 1024;

    /// <summary>Time of an RMP check that hits the entry cache (<c>rmp.cache_hit_latency</c>). A miss adds a timed memory read per entry read.</summary>
    public SimTime CacheHitLatency { get; init; } = SimTime.FromNanoseconds(1);

    /// <summary>Bytes of processor bookkeeping at the start of the RMP (APM §15.36.4).</summary>
    public const ulong BookkeepingBytes = 16 * 1024;

    /// <summary>Total bytes of the RMP for <see cref="CoveredBytes"/>.</summary>
    public ulong TableBytes => BookkeepingBytes + (CoveredBytes >> 12) * RmpEntry.Size;
}
