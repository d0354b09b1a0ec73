using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Firmware.Psp;

/// <summary>
/// What the PSP firmware is given at platform creation: the hardware it owns a privileged path to (physical memory,
/// the RMP, the memory controller's key slots, the IOMMU's secure device table, the root ports' IDE key registers),
/// the device vendor's root certificate it trusts, a seeded random source and its timing.
/// </summary>
public sealed class PspFirmwareOptions
{
    public required PhysicalMemory Memory { get; init; }

    public required MemoryController MemoryController { get; init; }

    public required RmpTable Rmp { get; init; }

    public required AmdIommu Iommu { get; init; }

    public required Scheduler Scheduler { get; init; }

    /// <summary>DER of the device vendor's root certificate; a device's SPDM chain must lead to it.</summary>
    public required byte[] TrustedRootCertificate { get; init; }

    /// <summary>Seeded source of every secret the PSP makes (IDE keys, VMPCKs, SPDM ephemerals and nonces): determinism.</summary>
    public required Random Random { get; init; }

    /// <summary>Root ports by the Port Number TIO_DEV_CREATE names (<c>root_port_id</c>): their IDE engines.</summary>
    public IReadOnlyDictionary<ushort, IdePort> RootPorts { get; init; } = new Dictionary<ushort, IdePort>();

    /// <summary>
    /// MMIO windows of the platform (start, length); an MMIO_VALIDATE of a page outside them is NOT_IO. Empty means
    /// the check is off.
    /// </summary>
    public IReadOnlyList<(ulong Start, ulong Length)> MmioWindows { get; init; } = [];

    public PspTiming Timing { get; init; } = new();

    /// <summary>Pages of a device context (TIO_STATUS devctx_size / 4 KiB); more than one makes the host use a scatter list.</summary>
    public int DeviceContextPages { get; init; } = 2;

    /// <summary>Pages of a TDI context.</summary>
    public int TdiContextPages { get; init; } = 1;

    /// <summary>Minimum pages of the SPDM request, response, scratch and output buffers.</summary>
    public int SpdmBufferMinPages { get; init; } = 1;

    /// <summary>Maximum pages of an SPDM buffer (one scatter page's worth).</summary>
    public int SpdmBufferMaxPages { get; init; } = 511;

    /// <summary>Bytes asked for per GET_CERTIFICATE.</summary>
    public ushort CertificateChunkLength { get; init; } = 1024;

    /// <summary>Bytes asked for per GET_DEVICE_INTERFACE_REPORT.</summary>
    public ushort ReportChunkLength { get; init; } = 1024;
}
