using SevTio.Guest.Pci;
using SevTio.Host;
using SevTio.Host.Misbehaviour;
using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Pcie;
using SevTio.Protocols.Psp;
using SevTio.TestSupport;

namespace SevTio.Guest.Tests.EndToEnd;

/// <summary>
/// The guest kernel on the real platform: the PSP firmware and the untrusted hypervisor over the composed TEE-IO test
/// device (shared with the host tests), the device connected (SPDM, IDE keys), its TDI assigned to an SNP guest as
/// 00:03.0, and <see cref="GuestKernel"/> booted on that guest's vCPU, reading its VMPCK from the secrets page.
/// </summary>
internal sealed class RealHostBench : IDisposable
{
    public const ushort GuestRid = 0x0018;
    public const string Bdf = "0000:00:03.0";
    public const string TsmDir = "/sys/bus/pci/devices/" + Bdf + "/tsm";

    public RealHostBench(HostMisbehaviour? misbehaviour = null, GuestKernelOptions? options = null, int seed = 11)
    {
        Platform = new SevTioTestPlatform(seed);

        // The composed test device has no PCI Express capability; give it one with Device Capabilities bit 30
        // (TEE-IO supported), as the real device has: the guest's PCI TSM shows tsm/ only for such functions.
        var pcie = new Hw.Registers.RegisterBlock("PCIe", 0x10);
        pcie.Define(0x04, "DEVCAP", "Device Capabilities", 1u << 30).WithField(0, 32, Hw.Registers.FieldAccess.ReadOnly, "DEVCAP", "Device Capabilities");
        Platform.Device.Config.AddCapability(0x10, pcie);
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
            Misbehaviour = misbehaviour ?? new HostMisbehaviour(),
        });
        Hypervisor.Pci.Register(TeeIoTestDevice.Bdf, Platform.Device.Config);
        Hypervisor.Pci.Register(TeeIoTestDevice.RootPortBdf, Platform.Device.RootPortConfig);
        Assert.Equal(PspReturnCode.Success, Hypervisor.InitializeTio());
        Link = Hypervisor.AddDevice(new TioDeviceConfiguration
        {
            DeviceId = TeeIoTestDevice.Bdf,
            RootPortBdf = TeeIoTestDevice.RootPortBdf,
            RootPortId = TeeIoTestDevice.RootPortId,
        });
        Guest = Hypervisor.LaunchGuest(new SnpGuestConfiguration { MemoryBytes = 8UL << 20, SwiotlbBytes = 2UL << 20 });
        Tdi = Hypervisor.AssignTdi(Link, TeeIoTestDevice.Bdf, Guest, GuestRid);
        Assert.True(Link.Connect() == PspReturnCode.Success, Platform.Psp.LastDeviceFailure);
        Mmio = new RecordingMmio();
        Kernel = GuestKernel.Boot(Guest.Vcpu, new GuestPlatform
        {
            Memory = new Memory.GuestMemoryLayout
            {
                RamBase = 0,
                RamSize = Guest.MemoryBytes,
                RamValidated = Guest.Configuration.PrevalidateMemory,
                SecretsGpa = Guest.SecretsGpa,
                GhcbGpa = Guest.GhcbGpa,
                SharedBase = Guest.SharedBufferGpa,
                SharedSize = Guest.SharedBufferBytes,
                SwiotlbBase = Guest.SwiotlbGpa,
                SwiotlbSize = Guest.SwiotlbBytes,
            },
            PciFunctions = [new GuestPciFunction(PciAddress.FromRequesterId(GuestRid), new VmmConfigView(Platform.Device.Config))],
            Mmio = Mmio,
        }, options);
    }

    public SevTioTestPlatform Platform { get; }

    public Hypervisor Hypervisor { get; }

    public TioDeviceLink Link { get; }

    public SnpGuest Guest { get; }

    public TioTdiLink Tdi { get; }

    public GuestKernel Kernel { get; }

    public RecordingMmio Mmio { get; }

    public GuestPciDevice Device => Kernel.Pci.Devices[0];

    public Errno Write(string file, string value) => Kernel.Sysfs.Write($"{TsmDir}/{file}", value);

    public string Read(string file) => Kernel.Sysfs.Read($"{TsmDir}/{file}");

    public void Dispose()
    {
        Kernel.Dispose();
        Platform.Dispose();
    }

    /// <summary>
    /// The VMM's virtual config space of the assigned function: passed through to the device, BARs at the guest's
    /// addresses (the bench maps MMIO 1:1, <see cref="SnpGuestConfiguration.GuestMmioOffset"/> = 0).
    /// </summary>
    private sealed class VmmConfigView(ConfigSpace config) : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => config.Read(offset);

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF) => config.Write(offset, value, byteEnables);
    }
}

/// <summary>Guest MMIO with no device behind it yet (the root complex lands with issue C2): records what the guest did.</summary>
internal sealed class RecordingMmio : IGuestMmio
{
    public List<(ulong Gpa, bool Encrypted, bool Write)> Accesses { get; } = [];

    public ulong Read(ulong gpa, int size, bool encrypted)
    {
        Accesses.Add((gpa, encrypted, false));
        return 0;
    }

    public void Write(ulong gpa, int size, ulong value, bool encrypted) => Accesses.Add((gpa, encrypted, true));
}
