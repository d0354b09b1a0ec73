using SevTio.Firmware.Psp;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.TestSupport;

/// <summary>
/// The silicon and firmware of one SEV-TIO platform for tests: 4 GiB of physical memory, the memory controller, the
/// RMP (covering all of it, table at 0xE000_0000), the IOMMU (device table, secure device table in firmware pages,
/// event log), the TEE-IO test device with its root port, and the PSP trusting the device vendor's root.
/// </summary>
internal sealed class SevTioTestPlatform : IDisposable
{
    public const ulong MemorySize = 4UL << 30;
    public const ulong RmpBase = 0xE000_0000;
    public const ulong DeviceTableBase = 0xD000_0000;
    public const ulong SecureDeviceTableBase = 0xD020_0000;
    public const ulong EventLogBase = 0xD060_0000;

    /// <summary>DRAM the host allocates from (its pages, guest pages, pages it donates to the PSP).</summary>
    public const ulong HostMemoryBase = 0x1000_0000;
    public const ulong HostMemoryBytes = 0x2000_0000;

    public SevTioTestPlatform(int seed = 11, SpdmDeviceIdentity? identity = null, PspTiming? timing = null, SimTime doeLatency = default, byte[]? trustedRoot = null, Hw.Ide.IdeStreamSettings? ideSettings = null)
    {
        Memory = new PhysicalMemory(MemorySize);
        Timing = new MemoryTiming();
        Controller = new MemoryController(Memory, Timing, new Random(seed));
        Rmp = new RmpTable(Memory, Timing, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = MemorySize });
        Iommu = new AmdIommu(Memory, Timing, Rmp, new IommuConfiguration
        {
            DeviceTableBase = DeviceTableBase,
            SecureDeviceTableBase = SecureDeviceTableBase,
            EventLogBase = EventLogBase,
        });

        // The secure device table is the PSP's: firmware pages no host write reaches.
        for (ulong page = SecureDeviceTableBase; page < SecureDeviceTableBase + (4UL << 20); page += 4096)
        {
            Assert.Equal(RmpStatus.Success, Rmp.RmpUpdate(page, RmpUpdateState.Firmware()));
        }

        Device = new TeeIoTestDevice(Scheduler, identity, seed + 1, doeLatency, ideSettings);
        Psp = new PspFirmware(new PspFirmwareOptions
        {
            Memory = Memory,
            MemoryController = Controller,
            Rmp = Rmp,
            Iommu = Iommu,
            Scheduler = Scheduler,
            TrustedRootCertificate = trustedRoot ?? Device.Identity.RootCertificate,
            Random = new Random(seed + 2),
            RootPorts = new Dictionary<ushort, Hw.Ide.IdePort> { [TeeIoTestDevice.RootPortId] = Device.RootPort },
            MmioWindows = [(TeeIoTestDevice.MmioWindow, TeeIoTestDevice.MmioWindowSize)],
            Timing = timing ?? new PspTiming(),
        });
    }

    public Scheduler Scheduler { get; } = new();

    public PhysicalMemory Memory { get; }

    public MemoryTiming Timing { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public AmdIommu Iommu { get; }

    public TeeIoTestDevice Device { get; }

    public PspFirmware Psp { get; }

    /// <summary>Every touched page of physical memory holding <paramref name="needle"/> (what a host that reads everything could find).</summary>
    public List<ulong> FindInMemory(ReadOnlySpan<byte> needle)
    {
        var hits = new List<ulong>();
        var page = new byte[8192];
        for (ulong address = 0; address < MemorySize; address += 4096)
        {
            if (!Memory.IsTouched(address))
            {
                continue;
            }

            // Two pages, so a needle across a page boundary is found too.
            Memory.Read(address, page.AsSpan(0, 4096));
            if (address + 4096 < MemorySize && Memory.IsTouched(address + 4096))
            {
                Memory.Read(address + 4096, page.AsSpan(4096));
            }
            else
            {
                page.AsSpan(4096).Clear();
            }

            if (page.AsSpan().IndexOf(needle) is var at && at >= 0 && at < 4096)
            {
                hits.Add(address + (ulong)at);
            }
        }

        return hits;
    }

    public void Dispose()
    {
        Psp.Dispose();
        Device.Dispose();
        Controller.Dispose();
    }
}
