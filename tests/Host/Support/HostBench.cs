using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Psp;
using SevTio.TestSupport;

namespace SevTio.Host.Tests.Support;

/// <summary>
/// A whole platform for host tests: silicon, PSP and test device (<see cref="SevTioTestPlatform"/>), the hypervisor
/// over it with the device and root port reachable by configuration access, TIO initialised, one guest launched with
/// the device's TDI assigned to it, and a <see cref="TestGuest"/> that speaks for the guest kernel.
/// </summary>
internal sealed class HostBench : IDisposable
{
    public const ushort GuestRid = 0x0018;

    public HostBench(
        int seed = 11,
        TioDeviceConfiguration? device = null,
        SnpGuestConfiguration? guest = null,
        SimTime guestRequestMinInterval = default,
        SevTio.Firmware.Spdm.SpdmDeviceIdentity? identity = null,
        SimTime doeLatency = default,
        HostTiming? timing = null,
        SevTio.Hw.Ide.IdeStreamSettings? ideSettings = null)
    {
        Platform = new SevTioTestPlatform(seed, identity, doeLatency: doeLatency, ideSettings: ideSettings);
        Hypervisor = new Hypervisor(new HypervisorOptions
        {
            Scheduler = Platform.Scheduler,
            MemoryController = Platform.Controller,
            Rmp = Platform.Rmp,
            Iommu = Platform.Iommu,
            PspMailbox = Platform.Psp.Mailbox,
            HostMemoryBase = SevTioTestPlatform.HostMemoryBase,
            HostMemoryBytes = SevTioTestPlatform.HostMemoryBytes,
            Random = new Random(seed + 10),
            GuestRequestMinInterval = guestRequestMinInterval,
            Timing = timing ?? new HostTiming(),
        });
        Hypervisor.Pci.Register(TeeIoTestDevice.Bdf, Platform.Device.Config);
        Hypervisor.Pci.Register(TeeIoTestDevice.RootPortBdf, Platform.Device.RootPortConfig);
        Assert.Equal(PspReturnCode.Success, Hypervisor.InitializeTio());
        Link = Hypervisor.AddDevice(device ?? new TioDeviceConfiguration
        {
            DeviceId = TeeIoTestDevice.Bdf,
            RootPortBdf = TeeIoTestDevice.RootPortBdf,
            RootPortId = TeeIoTestDevice.RootPortId,
        });
        Guest = Hypervisor.LaunchGuest(guest ?? new SnpGuestConfiguration { MemoryBytes = 4UL << 20, SwiotlbBytes = 2UL << 20 });
        Tdi = Hypervisor.AssignTdi(Link, TeeIoTestDevice.Bdf, Guest, GuestRid);
        Kernel = new TestGuest(Guest);
    }

    public SevTioTestPlatform Platform { get; }

    public Hypervisor Hypervisor { get; }

    public TioDeviceLink Link { get; }

    public SnpGuest Guest { get; }

    public TioTdiLink Tdi { get; }

    public TestGuest Kernel { get; }

    public TeeIoTestDevice Device => Platform.Device;

    public void Dispose() => Platform.Dispose();
}
