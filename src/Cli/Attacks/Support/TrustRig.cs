using SevTio.Firmware.Psp;
using SevTio.Firmware.Spdm;
using SevTio.Guest;
using SevTio.Guest.Memory;
using SevTio.Guest.Pci;
using SevTio.Host;
using SevTio.Host.Misbehaviour;
using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Psp;

namespace SevTio.Cli.Attacks.Support;

/// <summary>
/// The whole trust flow for the protocol attacks: 4 GiB of memory, the RMP, the IOMMU, the <see cref="TrustDevice"/>,
/// the PSP firmware (trusting the device vendor's root), the real hypervisor (with a <see cref="HostMisbehaviour"/> the
/// attack sets), an SNP guest with the device's TDI assigned as 00:03.0, and the guest kernel booted on its vCPU. The
/// device is connected (SPDM session, IDE keys) unless the attack asks otherwise.
/// </summary>
internal sealed class TrustRig : IDisposable
{
    public const ushort GuestRid = 0x0018;
    public const string TsmDir = "/sys/bus/pci/devices/0000:00:03.0/tsm";
    public const ulong MemorySize = 4UL << 30;
    public const ulong RmpBase = 0xE000_0000;
    public const ulong HostMemoryBase = 0x1000_0000;
    public const ulong HostMemoryBytes = 0x2000_0000;

    private static readonly Lazy<SpdmDeviceIdentity> s_identity = new(() => SpdmDeviceIdentity.Create(new Random(1)));
    private static readonly Lazy<SpdmDeviceIdentity> s_otherIdentity = new(() => SpdmDeviceIdentity.Create(new Random(2)));

    public TrustRig(int seed, bool connect = true, SpdmDeviceIdentity? identity = null)
    {
        Memory = new PhysicalMemory(MemorySize);
        var timing = new MemoryTiming();
        Controller = new MemoryController(Memory, timing, new Random(seed));
        Rmp = new RmpTable(Memory, timing, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = MemorySize });
        Iommu = new AmdIommu(Memory, timing, Rmp, new IommuConfiguration
        {
            DeviceTableBase = 0xD000_0000,
            SecureDeviceTableBase = 0xD020_0000,
            EventLogBase = 0xD060_0000,
        });
        for (ulong page = 0xD020_0000; page < 0xD060_0000; page += 4096)
        {
            Rmp.RmpUpdate(page, RmpUpdateState.Firmware());
        }

        Device = new TrustDevice(Scheduler, identity ?? SharedIdentity, seed + 1);
        Psp = new PspFirmware(new PspFirmwareOptions
        {
            Memory = Memory,
            MemoryController = Controller,
            Rmp = Rmp,
            Iommu = Iommu,
            Scheduler = Scheduler,
            TrustedRootCertificate = (identity ?? SharedIdentity).RootCertificate,
            Random = new Random(seed + 2),
            RootPorts = new Dictionary<ushort, Hw.Ide.IdePort> { [TrustDevice.RootPortId] = Device.RootPort },
            MmioWindows = [(TrustDevice.MmioWindow, TrustDevice.MmioWindowSize)],
            Timing = new PspTiming(),
        });
        Hypervisor = new Hypervisor(new HypervisorOptions
        {
            Scheduler = Scheduler,
            MemoryController = Controller,
            Rmp = Rmp,
            Iommu = Iommu,
            PspMailbox = Psp.Mailbox,
            HostMemoryBase = HostMemoryBase,
            HostMemoryBytes = HostMemoryBytes,
            Random = new Random(seed + 10),
            Misbehaviour = Misbehaviour,
        });
        Hypervisor.Pci.Register(TrustDevice.Bdf, Device.Config);
        Hypervisor.Pci.Register(TrustDevice.RootPortBdf, Device.RootPortConfig);
        Require(Hypervisor.InitializeTio(), "TIO_INIT");
        Link = Hypervisor.AddDevice(new TioDeviceConfiguration
        {
            DeviceId = TrustDevice.Bdf,
            RootPortBdf = TrustDevice.RootPortBdf,
            RootPortId = TrustDevice.RootPortId,
        });
        Guest = Hypervisor.LaunchGuest(new SnpGuestConfiguration { MemoryBytes = 8UL << 20, SwiotlbBytes = 2UL << 20 });
        Tdi = Hypervisor.AssignTdi(Link, TrustDevice.Bdf, Guest, GuestRid);
        if (connect)
        {
            Require(Link.Connect(), "DEV_CONNECT");
        }

        Kernel = GuestKernel.Boot(Guest.Vcpu, new GuestPlatform
        {
            Memory = new GuestMemoryLayout
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
            PciFunctions = [new GuestPciFunction(PciAddress.FromRequesterId(GuestRid), new VmmConfigView(Device.Config))],
            Mmio = NoDeviceMmio.Instance,
        });
    }

    /// <summary>The device identity the rigs share (key generation costs milliseconds).</summary>
    public static SpdmDeviceIdentity SharedIdentity => s_identity.Value;

    /// <summary>Another device's identity, from the same vendor root (its certificates are genuine, just not this device's).</summary>
    public static SpdmDeviceIdentity OtherIdentity => s_otherIdentity.Value;

    public Scheduler Scheduler { get; } = new();

    public PhysicalMemory Memory { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public AmdIommu Iommu { get; }

    public TrustDevice Device { get; }

    public PspFirmware Psp { get; }

    public HostMisbehaviour Misbehaviour { get; } = new();

    public Hypervisor Hypervisor { get; }

    public TioDeviceLink Link { get; }

    public SnpGuest Guest { get; }

    public TioTdiLink Tdi { get; }

    public GuestKernel Kernel { get; }

    public GuestPciDevice GuestDevice => Kernel.Pci.Devices[0];

    /// <summary>Puts <paramref name="canary"/> in a fresh page of the guest's private memory (what must never reach the host in plaintext).</summary>
    public ulong PlantCanary(ReadOnlySpan<byte> canary)
    {
        if (!Kernel.Ram.TryAllocate(1, out var gpa) || !Guest.Memory.Write(gpa, canary, encrypted: true).Succeeded)
        {
            throw new InvalidOperationException("attack rig: no private page for the canary");
        }

        return gpa;
    }

    public Errno Write(string file, string value) => Kernel.Sysfs.Write($"{TsmDir}/{file}", value);

    public string Read(string file) => Kernel.Sysfs.Read($"{TsmDir}/{file}");

    /// <summary>
    /// Where <paramref name="needle"/> appears in what the host can see: raw memory (every touched page: host reads are
    /// not RMP-checked), the DOE traffic it relayed, and the blobs it holds (certificates, measurements, report).
    /// </summary>
    public List<string> FindLeaks(ReadOnlySpan<byte> needle)
    {
        var leaks = new List<string>();
        foreach (var address in LeakScan.FindInMemory(Memory, needle))
        {
            leaks.Add($"raw memory at 0x{address:X} (RMP: {Rmp.ReadEntry(address & ~0xFFFUL)})");
        }

        var log = Link.RelayLog;
        for (var i = 0; i < log.Count; i++)
        {
            if (log[i].Request.AsSpan().IndexOf(needle) >= 0)
            {
                leaks.Add($"DOE request #{i}");
            }

            if (log[i].Response is { } response && response.AsSpan().IndexOf(needle) >= 0)
            {
                leaks.Add($"DOE response #{i}");
            }
        }

        foreach (var (what, blob) in new[] { ("certificates", Link.Certificates), ("measurements", Link.Measurements), ("report", Tdi.Report) })
        {
            if (blob is not null && blob.AsSpan().IndexOf(needle) >= 0)
            {
                leaks.Add($"the host's {what} blob");
            }
        }

        return leaks;
    }

    /// <summary>
    /// <see cref="FindLeaks"/> for the attack's canary and for the guest's secrets: the four VMPCKs the PSP put in its
    /// secrets page (read back through the guest's own view), which must appear nowhere the host can read in plaintext.
    /// </summary>
    public List<string> FindGuestLeaks(ReadOnlySpan<byte> canary)
    {
        var leaks = FindLeaks(canary);
        var key = new byte[32];
        for (var i = 0; i < 4; i++)
        {
            if (!Guest.Memory.Read(Guest.SecretsGpa + (ulong)SevTio.Firmware.Psp.Mailbox.SnpSecretsPage.VmpckOffset(i), key, encrypted: true).Succeeded)
            {
                throw new InvalidOperationException("attack rig: the guest's secrets page is not readable");
            }

            foreach (var leak in FindLeaks(key))
            {
                leaks.Add($"VMPCK{i}: {leak}");
            }
        }

        return leaks;
    }

    public void Dispose()
    {
        Kernel.Dispose();
        Psp.Dispose();
        Device.Dispose();
        Controller.Dispose();
    }

    private static void Require(PspReturnCode status, string what)
    {
        if (status != PspReturnCode.Success)
        {
            throw new InvalidOperationException($"attack rig: {what} failed with {status}");
        }
    }

    /// <summary>The VMM's view of the assigned function's config space: passed through, BARs at the guest's addresses (MMIO mapped 1:1).</summary>
    private sealed class VmmConfigView(ConfigSpace config) : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => config.Read(offset);

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF) => config.Write(offset, value, byteEnables);
    }

    /// <summary>Guest MMIO with nothing behind it: the protocol attacks do not touch device registers.</summary>
    private sealed class NoDeviceMmio : IGuestMmio
    {
        public static readonly NoDeviceMmio Instance = new();

        public ulong Read(ulong gpa, int size, bool encrypted) => 0;

        public void Write(ulong gpa, int size, ulong value, bool encrypted)
        {
        }
    }
}
