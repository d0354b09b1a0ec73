using SevTio.Firmware.Psp.Mailbox;
using SevTio.Host.Misbehaviour;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Host;

/// <summary>What the hypervisor is built on: the CPU's view of memory and the RMP, the IOMMU it programs for guests, the PSP mailbox, its share of DRAM.</summary>
public sealed class HypervisorOptions
{
    public required Scheduler Scheduler { get; init; }

    public required MemoryController MemoryController { get; init; }

    public required RmpTable Rmp { get; init; }

    public required AmdIommu Iommu { get; init; }

    /// <summary>The PSP's mailbox: the only part of the firmware the host may touch.</summary>
    public required PspMailbox PspMailbox { get; init; }

    /// <summary>Host physical region the hypervisor allocates pages from (its own pages, guests' pages, pages it donates to the PSP).</summary>
    public required ulong HostMemoryBase { get; init; }

    public required ulong HostMemoryBytes { get; init; }

    /// <summary>Seeded source of the host's own choices (measurement nonces): determinism.</summary>
    public required Random Random { get; init; }

    public HostTiming Timing { get; init; } = new();

    /// <summary>Guest requests closer together than this are answered BUSY (KVM's rate limit); zero turns it off.</summary>
    public SimTime GuestRequestMinInterval { get; init; }

    public HostMisbehaviour Misbehaviour { get; init; } = new();
}
