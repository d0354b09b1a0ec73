using System.Diagnostics.Metrics;
using SevTio.Guest.Cpu;
using SevTio.Guest.Dma;
using SevTio.Guest.Ghcb;
using SevTio.Guest.Memory;
using SevTio.Guest.Messaging;
using SevTio.Guest.Pci;
using SevTio.Guest.Sysfs;
using SevTio.Guest.Telemetry;
using SevTio.Guest.Tsm;
using SevTio.Hw.Cpu;
using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Guest;

/// <summary>
/// The confidential guest's kernel, composed at boot: GHCB, page allocators and page-state conversion, the SNP
/// guest-message channel under the VMPCK, the SWIOTLB pool and DMA API, the PCI bus, the <c>sev-guest</c> TSM (when the
/// hypervisor advertises SEV-TIO) and the sysfs through which users drive it. The guest reaches the rest of the
/// platform only through its vCPU: its memory view (C-bit accesses, PVALIDATE), VMGEXIT, config accesses and MMIO.
/// </summary>
public sealed class GuestKernel : IDisposable
{
    private readonly Meter _meter;

    private GuestKernel(GuestVcpu vcpu, GuestPlatform platform, GuestKernelOptions options)
    {
        var start = vcpu.Scheduler.Now;
        Vcpu = vcpu;
        Layout = platform.Memory.Validate();
        Options = options;
        Timing = options.Timing.Validate();
        Ghcb = new GhcbClient(vcpu, Layout.GhcbGpa);
        Ram = new GuestPageAllocator(Layout.RamBase, Layout.RamSize);
        var window = Layout.SharedSize != 0 ? new GuestPageAllocator(Layout.SharedBase, Layout.SharedSize) : null;
        PageStates = new PageStateConverter(Ghcb, Timing, Accounting);
        SharedPages = new SharedPageAllocator(window, Ram, PageStates);
        PrepareRam();

        Messages = CreateChannel(platform.Secrets ?? ReadSecretsPage());
        Dma = new DmaApi(vcpu, CreateSwiotlb(), Ram, PageStates, Timing, Accounting) { CopiesData = options.CopiesData };
        Pci = new GuestPciBus(platform.PciFunctions, platform.Mmio ?? NoMmio.Instance);
        if (options.Tsm.Enable && SevGuestTsm.IsAdvertised(vcpu.HypervisorFeatures))
        {
            Tsm = new SevGuestTsm("tsm0", Ghcb, Messages, SharedPages, Timing, Accounting, Log, options.Tsm);
            Log.Add(vcpu.Scheduler.Now, "sev-guest: SEV-TIO advertised; registered TSM tsm0 (devsec)");
        }

        PciSysfs.Populate(this);
        BootConversionPages = Accounting.ConvertedPages;
        BootTime = vcpu.Scheduler.Now - start;

        // Boot-time conversions (the SWIOTLB pool, message pages) are not DMA work.
        Accounting.Reset();
        _meter = CreateMeter();
    }

    public GuestVcpu Vcpu { get; }

    public GuestMemoryLayout Layout { get; }

    public GuestKernelOptions Options { get; }

    public GuestCpuTiming Timing { get; }

    public GuestLog Log { get; } = new();

    public GuestCpuAccounting Accounting { get; } = new();

    public GhcbClient Ghcb { get; }

    /// <summary>Private RAM pages (DMA buffers, coherent buffers).</summary>
    public GuestPageAllocator Ram { get; }

    public PageStateConverter PageStates { get; }

    public SharedPageAllocator SharedPages { get; }

    public SnpGuestChannel Messages { get; }

    public DmaApi Dma { get; }

    public GuestPciBus Pci { get; }

    /// <summary>The devsec TSM, or null when the hypervisor does not advertise SEV-TIO (or <c>tsm_enable</c> is off).</summary>
    public SevGuestTsm? Tsm { get; }

    public GuestSysfs Sysfs { get; } = new();

    /// <summary>Simulated time the boot steps took (pool conversion included).</summary>
    public SimTime BootTime { get; }

    /// <summary>Pages converted to shared at boot (SWIOTLB pool and message pages when the window had no room).</summary>
    public long BootConversionPages { get; }

    /// <summary>Boots the kernel on <paramref name="vcpu"/>: everything <see cref="GuestKernel"/> describes, in order.</summary>
    public static GuestKernel Boot(GuestVcpu vcpu, GuestPlatform platform, GuestKernelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        ArgumentNullException.ThrowIfNull(platform);
        return new GuestKernel(vcpu, platform, options ?? new GuestKernelOptions());
    }

    /// <summary><c>pci_register_driver</c>, and its sysfs directory.</summary>
    public void RegisterDriver(IGuestPciDriver driver)
    {
        Pci.RegisterDriver(driver);
        PciSysfs.AddDriver(this, driver);
    }

    public void Dispose()
    {
        Messages.Dispose();
        _meter.Dispose();
    }

    /// <summary>
    /// Validates RAM the launch left unvalidated (the kernel's memory acceptance, done eagerly here), and keeps page 0
    /// and the secrets page out of the page allocator.
    /// </summary>
    private void PrepareRam()
    {
        if (!Layout.RamValidated)
        {
            for (var gpa = Layout.RamBase; gpa < Layout.RamBase + Layout.RamSize; gpa += PhysicalMemory.PageSize)
            {
                Vcpu.Scheduler.Advance(Timing.PvalidateCost);
                var status = Vcpu.Memory.Pvalidate(gpa, Hw.Rmp.RmpPageSize.Size4K, validate: true).Status;
                if (status is not (Hw.Rmp.RmpStatus.Success or Hw.Rmp.RmpStatus.NoUpdate))
                {
                    throw new InvalidOperationException($"PVALIDATE of RAM page 0x{gpa:X} failed: {status}");
                }
            }

            Log.Add(Vcpu.Scheduler.Now, $"accepted {Layout.RamSize >> 20} MiB of RAM");
        }

        if (Layout.RamBase == 0)
        {
            Ram.Reserve(0, 1);
        }

        if (Layout.SecretsGpa is { } secrets && secrets != 0)
        {
            Ram.Reserve(secrets, 1);
        }
    }

    private GuestSecrets ReadSecretsPage()
    {
        if (Layout.SecretsGpa is not { } secrets)
        {
            throw new ArgumentException("the platform gave the guest neither its VMPCK nor the secrets page address");
        }

        return GuestSecrets.FromSecretsPage(Vcpu.Memory, secrets, Options.VmpckId);
    }

    private SnpGuestChannel CreateChannel(GuestSecrets secrets)
    {
        if (SharedPages.Allocate(1, out var request) != Errno.None || SharedPages.Allocate(1, out var response) != Errno.None)
        {
            throw new InvalidOperationException("no shared pages for the guest-message request and response pages");
        }

        return new SnpGuestChannel(Ghcb, secrets.Vmpck, secrets.VmpckId, request, response, SharedPages, Timing, Accounting, secrets.SequenceCounter)
        {
            SequenceCounterGpa = secrets.SequenceCounterGpa,
        };
    }

    private SwiotlbPool CreateSwiotlb()
    {
        if (Layout.SwiotlbSize != 0)
        {
            var placed = Layout.SwiotlbSize / SwiotlbPool.MaxMappingSize * SwiotlbPool.MaxMappingSize;
            Log.Add(Vcpu.Scheduler.Now, $"software IO TLB: host-placed pool 0x{Layout.SwiotlbBase:X} ({placed >> 20} MiB)");
            return new SwiotlbPool(Layout.SwiotlbBase, placed, Options.SwiotlbAreas);
        }

        var size = Options.SwiotlbSize ?? SwiotlbPool.SevDefaultSize(Layout.RamSize);
        var pages = (long)(size >> PhysicalMemory.PageShift);
        if (!Ram.TryAllocate(pages, out var gpa, SwiotlbPool.MaxMappingSize / PhysicalMemory.PageSize))
        {
            throw new InvalidOperationException($"no {size >> 20} MiB of RAM for the SWIOTLB pool");
        }

        // swiotlb_update_mem_attributes(): the pool is decrypted once, at boot.
        if (PageStates.MakeShared(gpa, pages) != Errno.None)
        {
            throw new InvalidOperationException("the hypervisor refused to share the SWIOTLB pool");
        }

        Log.Add(Vcpu.Scheduler.Now, $"software IO TLB: mapped [0x{gpa:X}-0x{gpa + size - 1:X}] ({size >> 20} MiB), decrypted");
        return new SwiotlbPool(gpa, size, Options.SwiotlbAreas);
    }

    private Meter CreateMeter()
    {
        var meter = new Meter(GuestTelemetry.MeterName);
        meter.CreateObservableCounter("sevtio.guest.bounce.bytes", () => Accounting.BouncedBytes, "By", "Bytes the guest CPU copied through SWIOTLB");
        meter.CreateObservableCounter("sevtio.guest.bounce.time", () => Accounting.CopyTime.TotalSeconds, "s", "Guest CPU time spent bouncing (simulated)");
        meter.CreateObservableCounter("sevtio.guest.conversion.pages", () => Accounting.ConvertedPages, "{page}", "Pages converted between private and shared");
        meter.CreateObservableCounter("sevtio.guest.conversion.time", () => Accounting.ConversionTime.TotalSeconds, "s", "Guest CPU time spent converting pages (simulated)");
        meter.CreateObservableCounter("sevtio.guest.exits", () => Vcpu.Exits, "{exit}", "VMGEXITs taken");
        meter.CreateObservableGauge("sevtio.guest.swiotlb.used", () => (long)Dma.Swiotlb.Used * SwiotlbPool.SlotSize, "By", "SWIOTLB bytes in use");
        return meter;
    }

    private sealed class NoMmio : IGuestMmio
    {
        public static readonly NoMmio Instance = new();

        public ulong Read(ulong gpa, int size, bool encrypted) => throw new InvalidOperationException("the platform gave the guest no MMIO path");

        public void Write(ulong gpa, int size, ulong value, bool encrypted) => throw new InvalidOperationException("the platform gave the guest no MMIO path");
    }
}
