using SevTio.Hw.Simulation;

namespace SevTio.Hw.Iommu;

/// <summary>Where the IOMMU's tables live in simulated memory, the IOTLB, and timing.</summary>
public sealed record IommuConfiguration
{
    /// <summary>Device table: 65536 entries of 32 bytes (2 MiB), indexed by requester id (Device Table Base Address register).</summary>
    public required ulong DeviceTableBase { get; init; }

    /// <summary>Secure device table: 65536 entries of 64 bytes (4 MiB), PSP-owned; should lie in firmware pages.</summary>
    public required ulong SecureDeviceTableBase { get; init; }

    /// <summary>Event log ring (Event Log Base Address register).</summary>
    public required ulong EventLogBase { get; init; }

    /// <summary>Entries of the event log ring: a power of two from 256 to 32768 (the architectural range).</summary>
    public int EventLogEntries { get; init; } = 512;

    /// <summary>IOTLB entries, fully associative with LRU replacement (<c>iommu.iotlb_entries</c>).</summary>
    public int IotlbEntries { get; init; } = 64;

    /// <summary>Time of a translation that hits the IOTLB (<c>iommu.iotlb_hit_latency</c>); a miss adds timed memory reads.</summary>
    public SimTime IotlbHitLatency { get; init; } = SimTime.FromNanoseconds(2);

    /// <summary>
    /// Memory reads charged for a trusted request's nested-table walk on an IOTLB miss: the guest's mapping is a host
    /// structure here, so its walk is charged as this many 8-byte reads (3 for a 2 MiB mapping, since it ends a level early).
    /// </summary>
    public int NestedWalkLevels { get; init; } = 4;

    public const int DeviceTableEntries = 65536;

    public ulong DeviceTableBytes => DeviceTableEntries * (ulong)DeviceTableEntry.Size;

    public ulong SecureDeviceTableBytes => DeviceTableEntries * (ulong)SecureDeviceTableEntry.Size;

    public ulong EventLogBytes => (ulong)EventLogEntries * IommuEvent.Size;
}
