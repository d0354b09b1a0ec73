using System.Globalization;
using SevTio.Cli.Configuration;
using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.DeviceSecurityManager.Binding;
using SevTio.Firmware.Psp;
using SevTio.Firmware.Spdm;
using SevTio.Guest;
using SevTio.Guest.Memory;
using SevTio.Guest.Pci;
using SevTio.Host;
using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Cpu.Mmio;
using SevTio.Hw.Device;
using SevTio.Hw.Doe;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Rmp;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;

namespace SevTio.Cli.Platform;

/// <summary>
/// The whole SEV-TIO platform, composed for real: the Hw platform (<see cref="SevTioPlatform"/>: memory, RMP, IOMMU,
/// link, root port, TDISP device, DMA transport, interrupt controller); the device's security-manager firmware (SPDM,
/// IDE_KM and TDISP responder) behind a DOE mailbox in the device's config space, with the device's TDI enforcement
/// reading the TDISP responder's state; the PSP firmware as TSM (root port IDE keys, MMIO window); the untrusted
/// hypervisor (TIO init, the device added, an SNP guest launched, the device's TDI assigned to it, the device
/// connected: SPDM and IDE keys); and the guest kernel booted on the guest's vCPU, with its MMIO path
/// (<see cref="CpuMmioPath"/>: nested map, RMP, root port, device) and its interrupt line.
/// </summary>
/// <remarks>
/// <para>The guest drives the rest through sysfs (<see cref="WriteTsm"/>/<see cref="ReadTsm"/>: lock, accept, unlock),
/// its DMA API and a driver for the model device. Nothing here sets security state directly:
/// every step is a real command, message or register write.</para>
/// <para>Layout: guest RAM at GPA 4 GiB (so device DMA uses 64-bit addresses, as the pcie-bench model assumes), then
/// its shared window (GHCB, SWIOTLB, I/O pages); the hypervisor allocates host pages from 256 MiB to 3.25 GiB; the
/// device's BARs at 0xF000_0000 (registers, TEE) and 0xF010_0000 (MSI-X table and PBA, non-TEE), shown to the guest at
/// the same GPAs; MSI-X vector 0 targets 0xFEE0_0000/0x41.</para>
/// </remarks>
public sealed class TioPlatform : IDisposable
{
    public const ushort DeviceBdf = SevTioPlatform.DeviceRequesterId;
    public const ushort RootPortBdf = 0x0008;
    public const ushort RootPortId = 1;
    public const byte StreamId = 1;

    /// <summary>The guest's routing id for the device: 00:03.0.</summary>
    public const ushort GuestRid = 0x0018;
    public const string GuestBdf = "0000:00:03.0";
    public const string TsmDirectory = "/sys/bus/pci/devices/" + GuestBdf + "/tsm";

    public const ulong RegisterBarAddress = 0xF000_0000;
    public const ulong MsixBarAddress = 0xF010_0000;
    public const ulong MmioWindowBase = 0xF000_0000;
    public const ulong MmioWindowBytes = 0x0800_0000;
    public const ulong MsiAddress = 0xFEE0_0000;
    public const uint MsiData = 0x41;
    public const ulong GuestRamBase = 1UL << 32;
    public const ulong HostMemoryBase = 0x1000_0000;
    public const ulong HostMemoryBytes = 0xC000_0000;
    public const ushort HostDomainId = 1;

    private readonly IdePort _deviceIde;

    private TioPlatform(PlatformConfiguration configuration, TioPlatformOptions options)
    {
        Options = options;
        Hw = new SevTioPlatform(configuration);
        options.HwCreated?.Invoke(Hw);
        var c = Hw.Configuration;
        var seed = unchecked((int)c.Seed);
        if (!c.IommuEnabled)
        {
            throw new ParameterException("iommu.enabled", "false", "the device is assigned to an SNP guest, which needs the IOMMU (GPA translation and RMP checks)");
        }

        if (c.PageSize != IoPageSize.Size4K)
        {
            // Refused rather than ignored: the hypervisor launches the guest with 4 KiB RMP entries and nested pages.
            throw new ParameterException("iommu.page_size", c.PageSize.ToString(), "is not modelled with the full flow yet: the SNP guest's memory is mapped in 4 KiB pages");
        }

        // The secure device table is the PSP's: firmware pages no host write reaches.
        for (var page = SevTioPlatform.SecureDeviceTableBase; page < SevTioPlatform.EventLogBase; page += 4096)
        {
            Hw.Rmp.RmpUpdate(page, RmpUpdateState.Firmware());
        }

        EnumerateDevice();

        // The device's security manager: SPDM identity and measurements, IDE_KM on the device's IDE port, TDISP over
        // this function; reached through a DOE mailbox in its config space.
        var device = Hw.Device;
        _deviceIde = device.Ide;
        Identity = SpdmDeviceIdentity.Create(new Random(seed ^ 0x5D11));
        Measurements = SpdmMeasurementLog.CreateDefault();
        var interfaceId = TdispInterfaceId.Create(DeviceBdf);
        var extra = new List<TdiConfigRange>();
        foreach (var (offset, length) in device.SecurityRelevantConfigRanges)
        {
            if (offset != device.IdeCapabilityOffset)
            {
                extra.Add(new TdiConfigRange(offset, length));
            }
        }

        Function = new PcieTdispFunction(device.Config, device.Ide, new PcieTdispFunctionOptions
        {
            InterfaceId = interfaceId,
            NonTeeBars = new HashSet<int> { TdispDevice.MsixBar },
            Msix = () =>
            {
                var m = device.Msix;
                return new TdiMsixLayout(m.TableBar, m.TableOffset, m.TableLength, m.PbaBar, m.PbaOffset, m.PbaLength, m.MessageControl);
            },
            ExtraSecurityRelevantRanges = extra,
            DeviceSpecificInfo = "sevtio model DMA engine"u8.ToArray(),
        });
        device.FunctionLevelReset += Function.RaiseFunctionLevelReset;
        Dsm = new DsmFirmware(new DsmFirmwareOptions
        {
            Identity = Identity,
            Measurements = Measurements,
            Random = new Random(seed ^ 0xD5A),
            KeySlots = new IdePortKeySlots(device.Ide),
            Port = new IdeKmPortIdentity(0x00, 0x01, 0x00),
            ReadIdeCapability = ReadDeviceIdeCapability,
            Functions = [Function],
            Scheduler = Hw.Scheduler,
        });
        Doe = new DoeMailbox(new DsmDoeResponder(Dsm), Hw.Scheduler);
        device.Config.AddExtendedCapability(DoeMailbox.ExtendedCapabilityId, DoeMailbox.CapabilityVersion, Doe);
        Tdi = Dsm.Tdisp.GetInterface(interfaceId) ?? throw new InvalidOperationException("the TDISP responder has no interface for the device");
        device.Gate.Tdi = new TdiEnforcementAdapter(Tdi);

        Psp = new PspFirmware(new PspFirmwareOptions
        {
            Memory = Hw.Memory,
            MemoryController = Hw.Controller,
            Rmp = Hw.Rmp,
            Iommu = Hw.Iommu,
            Scheduler = Hw.Scheduler,
            TrustedRootCertificate = Identity.RootCertificate,
            Random = new Random(seed ^ 0x9595),
            RootPorts = new Dictionary<ushort, IdePort> { [RootPortId] = Hw.RootPort.Ide },
            MmioWindows = [(MmioWindowBase, MmioWindowBytes)],
        });

        Hypervisor = new Hypervisor(new HypervisorOptions
        {
            Scheduler = Hw.Scheduler,
            MemoryController = Hw.Controller,
            Rmp = Hw.Rmp,
            Iommu = Hw.Iommu,
            PspMailbox = Psp.Mailbox,
            HostMemoryBase = HostMemoryBase,
            HostMemoryBytes = HostMemoryBytes,
            Random = new Random(seed ^ 0x4057),
            Misbehaviour = options.Misbehaviour ?? new Host.Misbehaviour.HostMisbehaviour(),
        });
        Hypervisor.Pci.Register(DeviceBdf, device.Config);
        Hypervisor.Pci.Register(RootPortBdf, Hw.RootPort.Config);
        Require(Hypervisor.InitializeTio(), "TIO_INIT");
        var aggregation = IdeStreamSettings.EncodeAggregation(c.IdeAggregation);
        DeviceLink = Hypervisor.AddDevice(new TioDeviceConfiguration
        {
            DeviceId = DeviceBdf,
            RootPortBdf = RootPortBdf,
            RootPortId = RootPortId,
            StreamId = StreamId,
            IdeControlBits = (aggregation << 4) | (aggregation << 6) | (c.IdePcrc ? 1u << 8 : 0),
        });

        var window = (Hw.WindowBytes + (2UL << 20) - 1) & ~((2UL << 20) - 1);
        Guest = Hypervisor.LaunchGuest(new SnpGuestConfiguration
        {
            MemoryBytes = options.GuestMemoryBytes ?? (window + (16UL << 20)),
            RamBase = GuestRamBase,
            SwiotlbBytes = options.SwiotlbBytes ?? 0,
        });
        TdiLink = Hypervisor.AssignTdi(DeviceLink, DeviceBdf, Guest, GuestRid);
        AssignToGuest();

        if (c.IdeEnabled && options.ConnectDevice)
        {
            ConnectDevice();
        }

        Mmio = new CpuMmioPath(Guest.Map, Hw.Rmp, Hw.RootPort, device);
        var kernelOptions = options.Kernel ?? new GuestKernelOptions { CopiesData = c.Crypto == CryptoMode.Functional };
        Kernel = GuestKernel.Boot(Guest.Vcpu, new GuestPlatform
        {
            Memory = new GuestMemoryLayout
            {
                RamBase = Guest.RamBase,
                RamSize = Guest.MemoryBytes,
                RamValidated = Guest.Configuration.PrevalidateMemory,
                SecretsGpa = Guest.SecretsGpa,
                GhcbGpa = Guest.GhcbGpa,
                SharedBase = Guest.SharedBufferGpa,
                SharedSize = Guest.SharedBufferBytes,
                SwiotlbBase = Guest.SwiotlbGpa,
                SwiotlbSize = Guest.SwiotlbBytes,
            },
            PciFunctions = [new GuestPciFunction(PciAddress.FromRequesterId(GuestRid), new VmmConfigView(this))],
            Mmio = new GuestMmio(Mmio),
        }, kernelOptions);
        Hw.Interrupts.Interrupt += OnMessageSignalledInterrupt;
    }

    public TioPlatformOptions Options { get; }

    /// <summary>The silicon: scheduler, memory, RMP, IOMMU, link, root port, device, DMA transport, interrupts.</summary>
    public SevTioPlatform Hw { get; }

    public Scheduler Scheduler => Hw.Scheduler;

    public TdispDevice Device => Hw.Device;

    public RootPort RootPort => Hw.RootPort;

    public AmdIommu Iommu => Hw.Iommu;

    public RmpTable Rmp => Hw.Rmp;

    public PhysicalMemory Memory => Hw.Memory;

    public SpdmDeviceIdentity Identity { get; }

    /// <summary>The device's measurement log (a test may change it to model a device whose firmware changed).</summary>
    public SpdmMeasurementLog Measurements { get; }

    public PcieTdispFunction Function { get; }

    public DsmFirmware Dsm { get; }

    public DoeMailbox Doe { get; }

    /// <summary>The device's TDI as its TDISP responder holds it (what the device's enforcement reads).</summary>
    public ITdiSecurityState Tdi { get; }

    public PspFirmware Psp { get; }

    public Hypervisor Hypervisor { get; }

    public TioDeviceLink DeviceLink { get; }

    public TioTdiLink TdiLink { get; }

    public SnpGuest Guest { get; }

    public CpuMmioPath Mmio { get; }

    public GuestKernel Kernel { get; }

    /// <summary>The device as the guest kernel enumerated it.</summary>
    public GuestPciDevice GuestDevice => Kernel.Pci.Devices[0];

    /// <summary>Simulated time <see cref="ConnectDevice"/> took (host view: DEV_CREATE .. stream enabled), zero if not connected.</summary>
    public SimTime ConnectTime { get; private set; }

    /// <summary>The guest's interrupt line for the device: the MSI-X message the VMM posts to the guest (vector 0).</summary>
    public event Action? GuestInterrupt;

    /// <summary>Guest interrupts delivered.</summary>
    public long GuestInterrupts { get; private set; }

    /// <summary>Builds the platform of a resolved scenario (<c>link.*</c>, <c>ide.*</c>, <c>iommu.*</c>, <c>host.*</c>, <c>device.*</c>, <c>crypto.mode</c>, <c>sim.fidelity</c>, <c>seed</c>, the window).</summary>
    public static TioPlatform Create(ScenarioConfig config, TioPlatformOptions? options = null, int? workers = null) =>
        Create(ScenarioPlatform.Configuration(config, workers), options);

    public static TioPlatform Create(PlatformConfiguration configuration, TioPlatformOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new TioPlatform(configuration, options ?? new TioPlatformOptions());
    }

    /// <summary>The host's connect (DEV_CREATE, DEV_CONNECT with SPDM and IDE_KM, DEV_MEASUREMENTS, streams enabled); throws if the PSP refuses.</summary>
    public void ConnectDevice()
    {
        var start = Scheduler.Now;
        var status = DeviceLink.Connect();
        if (status != PspReturnCode.Success)
        {
            throw new Running.FlowCheckException($"DEV_CONNECT failed: {status} ({Psp.LastDeviceFailure})");
        }

        ConnectTime = Scheduler.Now - start;
    }

    /// <summary>A user's write to <c>/sys/bus/pci/devices/0000:00:03.0/tsm/FILE</c> in the guest.</summary>
    public Errno WriteTsm(string file, string value) => Kernel.Sysfs.Write($"{TsmDirectory}/{file}", value);

    public string ReadTsm(string file) => Kernel.Sysfs.Read($"{TsmDirectory}/{file}");

    public void Dispose()
    {
        Hw.Interrupts.Interrupt -= OnMessageSignalledInterrupt;
        Kernel.Dispose();
        Psp.Dispose();
        Hw.Dispose();
    }

    private void OnMessageSignalledInterrupt(MessageSignalledInterrupt message)
    {
        // The VMM routes the device's vector 0 (programmed at assignment) to the guest's vCPU.
        if (message.RequesterId == DeviceBdf && message.Address == MsiAddress && message.Data == MsiData)
        {
            GuestInterrupts++;
            GuestInterrupt?.Invoke();
        }
    }

    /// <summary>
    /// The host's enumeration of the device: BARs, Memory Space and Bus Master Enable, MPS/MRRS from the link, MSI-X
    /// vector 0 to the interrupt window, MSI-X enabled (the VMM sets up the guest's interrupt at assignment, before any
    /// lock, as VFIO does).
    /// </summary>
    private void EnumerateDevice()
    {
        var device = Hw.Device;
        var config = device.Config;
        config.Write(0x10 + (4 * TdispDevice.RegisterBar), (uint)RegisterBarAddress);
        config.Write(0x14 + (4 * TdispDevice.RegisterBar), (uint)(RegisterBarAddress >> 32));
        config.Write(0x10 + (4 * TdispDevice.MsixBar), (uint)MsixBarAddress);
        config.Write(0x14 + (4 * TdispDevice.MsixBar), (uint)(MsixBarAddress >> 32));
        config.Write(0x04, ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable);

        var link = Hw.Configuration.Link;
        PcieCapability.ProgramSizes(config, link.MaxPayloadSize, link.MaxReadRequestSize);

        var table = MsixBarAddress + TdispDevice.MsixTableOffset;
        device.MmioWrite(table, (uint)MsiAddress, teeOriginated: false, streamId: null);
        device.MmioWrite(table + 4, (uint)(MsiAddress >> 32), teeOriginated: false, streamId: null);
        device.MmioWrite(table + 8, MsiData, teeOriginated: false, streamId: null);
        device.MmioWrite(table + 12, 0, teeOriginated: false, streamId: null);
        var msix = config.FindCapability(MsixCapability.CapabilityId);
        config.Write(msix, 1u << 31, byteEnables: 0b1000);
    }

    /// <summary>
    /// The VMM's side of assigning the device (VFIO): the guest's memory mapped in the device's I/O page table (IOVA =
    /// GPA) for its ordinary T=0 DMA — the IOMMU still lets T=0 reach only hypervisor-owned (shared) pages —, and the
    /// BARs mapped into the guest at their addresses (shared MMIO until the PSP validates TEE ranges at accept).
    /// </summary>
    private void AssignToGuest()
    {
        var root = Hw.IoPageTables.CreateRoot();
        MapIo(root, Guest.RamBase, Guest.MemoryBytes);
        MapIo(root, Guest.GhcbGpa, 4096);
        MapIo(root, Guest.SwiotlbGpa, Guest.SwiotlbBytes);
        MapIo(root, Guest.SharedBufferGpa, Guest.SharedBufferBytes);
        Hw.Iommu.WriteDeviceTableEntry(DeviceBdf, DeviceTableEntry.Translated(HostDomainId, root));

        foreach (var bar in Hw.Device.ReadBars())
        {
            for (ulong offset = 0; offset < bar.Size; offset += 4096)
            {
                Guest.Map.Map(bar.Base + offset, bar.Base + offset);
            }
        }
    }

    private void MapIo(ulong root, ulong gpa, ulong bytes)
    {
        for (ulong offset = 0; offset < bytes; offset += 4096)
        {
            if (Guest.Map.TryTranslate(gpa + offset, out var spa, out _))
            {
                Hw.IoPageTables.Map(root, gpa + offset, spa);
            }
        }
    }

    private byte[] ReadDeviceIdeCapability()
    {
        var config = Hw.Device.Config;
        var offset = Hw.Device.IdeCapabilityOffset;
        var bytes = new byte[_deviceIde.Capability.Size - 4];
        for (var i = 0; i < bytes.Length; i += 4)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i), config.Read(offset + 4 + i));
        }

        return bytes;
    }

    private static void Require(PspReturnCode status, string what)
    {
        if (status != PspReturnCode.Success)
        {
            throw new Running.FlowCheckException(string.Create(CultureInfo.InvariantCulture, $"{what} failed: {status}"));
        }
    }

    /// <summary>
    /// The VMM's emulated config space of the assigned function: reads and writes pass through to the device (BARs are
    /// at the guest's addresses) through the host's config accessor, which charges each access; while the TDI is
    /// CONFIG_LOCKED or RUN, the VMM keeps Memory Space and Bus Master Enable set (QEMU blocks clearing them, which
    /// would send the TDI to ERROR).
    /// </summary>
    private sealed class VmmConfigView(TioPlatform platform) : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => platform.Hypervisor.Pci.Read(DeviceBdf, offset);

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF)
        {
            if (offset == 0x04 && platform.Tdi.State is Protocols.Tdisp.TdiState.ConfigLocked or Protocols.Tdisp.TdiState.Run)
            {
                value |= ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable;
                if ((platform.Hypervisor.Pci.Read(DeviceBdf, offset) & 0xFFFF) == (value & 0xFFFF))
                {
                    return;
                }
            }

            platform.Hypervisor.Pci.Write(DeviceBdf, offset, value, byteEnables);
        }
    }

    /// <summary>The guest kernel's MMIO seam over the CPU's MMIO path.</summary>
    private sealed class GuestMmio(CpuMmioPath path) : IGuestMmio
    {
        public ulong Read(ulong gpa, int size, bool encrypted)
        {
            path.Read(gpa, size, encrypted, out var value);
            return value;
        }

        public void Write(ulong gpa, int size, ulong value, bool encrypted) => path.Write(gpa, size, value, encrypted);
    }
}
