using System.Diagnostics.Metrics;
using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Rmp;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>
/// The Hw-only composition of one SEV-TIO host with one TDISP device: scheduler, sparse physical memory with the
/// memory controller (per-ASID encryption), RMP, IOMMU (device table, secure device table, event log, I/O page
/// tables), the PCIe link, the root port, the device, its DMA engine's transport (packet or burst level) and the
/// interrupt controller. Nothing is configured for DMA yet: the trust flow does that (the CLI composes the firmware,
/// host and guest around it: SevTio.Cli.Platform.TioPlatform).
/// </summary>
/// <remarks>
/// <para>Host physical layout (identity-mapped for the guest and for T=0 IOVAs): a 64 KiB control area at 1 MiB (the
/// DMA ring and completion records), the IOMMU's tables from 16 MiB, I/O page tables from 24 MiB, the RMP from 64 MiB,
/// and the DMA window from 4 GiB (so DMA requests use 64-bit addresses, as the pcie-bench model assumes). Memory ends
/// at 4 GiB plus the window; the RMP covers all of it.</para>
/// <para>Telemetry: <see cref="CreateInstruments"/> publishes the counters on meters owned by this platform
/// (<c>SevTio.Dma</c>, <c>SevTio.Pcie</c>, <c>SevTio.Ide</c>, <c>SevTio.Iommu</c>, <c>SevTio.Rmp</c>), disposed with it,
/// so parallel runs never share an instrument.</para>
/// </remarks>
public sealed class SevTioPlatform : IDisposable
{
    public const ulong ControlAreaBase = 0x10_0000;
    public const ulong ControlAreaBytes = 0x1_0000;
    public const ulong DeviceTableBase = 0x100_0000;
    public const ulong SecureDeviceTableBase = 0x120_0000;
    public const ulong EventLogBase = 0x160_0000;
    public const ulong IoPageTablePool = 0x180_0000;
    public const ulong IoPageTablePoolBytes = 0x280_0000;
    public const ulong RmpBase = 0x400_0000;
    public const ulong DmaWindowBase = 0x1_0000_0000;

    /// <summary>The root port's RID and the device's RID (bus 1).</summary>
    public const ushort DeviceRequesterId = 0x0100;

    private readonly List<Meter> _meters = [];

    public SevTioPlatform(PlatformConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration.Validate();
        var c = Configuration;
        var window = RoundUp(c.DmaWindowBytes, c.PageSize == IoPageSize.Size1G ? 1UL << 30 : 2UL << 20);
        WindowBytes = window;

        Scheduler = new Scheduler();
        Memory = new PhysicalMemory(DmaWindowBase + window);
        MemoryTiming = new MemoryTiming();
        var keySource = new Random(unchecked((int)(c.Seed * 0x9E3779B1UL)) ^ 0x5EE7);
        Controller = new MemoryController(Memory, MemoryTiming, keySource, c.MemoryKeyBits);
        Rmp = new RmpTable(Memory, MemoryTiming, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = Memory.Size });
        Iommu = new AmdIommu(Memory, MemoryTiming, Rmp, new IommuConfiguration
        {
            DeviceTableBase = DeviceTableBase,
            SecureDeviceTableBase = SecureDeviceTableBase,
            EventLogBase = EventLogBase,
            IotlbEntries = c.IotlbEntries,
        });
        IoPageTables = new IoPageTableBuilder(Memory, IoPageTablePool, IoPageTablePoolBytes);

        Link = new PcieLink(Scheduler, c.Link, "link0");
        var functional = c.Crypto == CryptoMode.Functional;
        RootPort = new RootPort(Scheduler, Iommu, Controller, new RootPortSettings
        {
            ReadLatency = c.HostReadLatency,
            Functional = functional,
            IdeSettings = new IdeStreamSettings { PartnerId = DeviceRequesterId },
        });
        RootPort.Attach(Link);
        Interrupts = new InterruptController(Scheduler);
        RootPort.Interrupts = Interrupts;

        Tdi = new TdiEnforcementState();
        Device = new TdispDevice(Scheduler, new DeviceSettings
        {
            RequesterId = DeviceRequesterId,
            ReadTags = c.ReadTags,
            MemoryBytes = c.DeviceMemoryBytes,
            IdeSettings = new IdeStreamSettings { PartnerId = RootPort.Settings.RequesterId },
        }, Tdi);

        if (c.Fidelity == SimulationFidelity.Packet)
        {
            var packet = new PacketDmaTransport(Device, Link.UpstreamPort, functional);
            RootPort.WriteObserver = packet;
            Device.Dma.Transport = packet;
            PacketTransport = packet;
            if (c.TlpCorruptionRate + c.TlpDropRate > 0)
            {
                LinkFaults = new Pcie.Faults.LinkFaultInjector(c.TlpCorruptionRate, c.TlpDropRate, c.Seed);
                Link.UpstreamPort.Faults = LinkFaults;
                RootPort.SendsFailMessages = true;
            }
        }
        else
        {
            var burst = new BurstDmaTransport(Device, RootPort, Link, functional, Iommu.Configuration.IotlbHitLatency + Rmp.Configuration.CacheHitLatency, c.Workers);
            Device.Dma.Transport = burst;
            BurstTransport = burst;
            if (c.TlpCorruptionRate + c.TlpDropRate > 0)
            {
                LinkFaults = new Pcie.Faults.LinkFaultInjector(c.TlpCorruptionRate, c.TlpDropRate, c.Seed);
                burst.Faults = LinkFaults;
            }
        }
    }

    public PlatformConfiguration Configuration { get; }

    /// <summary>Bytes mapped for DMA from <see cref="DmaWindowBase"/> (the configured window rounded up to the page size).</summary>
    public ulong WindowBytes { get; }

    public Scheduler Scheduler { get; }

    public PhysicalMemory Memory { get; }

    public MemoryTiming MemoryTiming { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public AmdIommu Iommu { get; }

    public IoPageTableBuilder IoPageTables { get; }

    public PcieLink Link { get; }

    public RootPort RootPort { get; }

    public TdispDevice Device { get; }

    /// <summary>The TDI facts the device's enforcement reads until a TDISP responder is attached (<c>Device.Gate.Tdi</c>); Hw-only tests set them.</summary>
    public TdiEnforcementState Tdi { get; }

    public InterruptController Interrupts { get; }

    /// <summary>The DMA transport at burst level, else null.</summary>
    public BurstDmaTransport? BurstTransport { get; }

    /// <summary>The link's fault injector when <c>faults.*</c> rates are set (disarmed until a run arms it).</summary>
    public Pcie.Faults.LinkFaultInjector? LinkFaults { get; }

    /// <summary>The DMA transport at packet level, else null.</summary>
    public PacketDmaTransport? PacketTransport { get; }

    public DmaStatistics DmaStatistics => Device.Dma.Statistics;

    /// <summary>The meters <see cref="CreateInstruments"/> created (empty before); a listener can select exactly this run's instruments.</summary>
    public IReadOnlyList<Meter> Meters => _meters;

    /// <summary>Finishes the functional data path's outstanding work (burst level on two threads).</summary>
    public void Drain() => BurstTransport?.Drain();

    /// <summary>TLPs sent on the link in both directions (data, requests, completions, control, IDE Sync).</summary>
    public long LinkTlps => Link.UpstreamPort.Statistics.TlpsSent + Link.DownstreamPort.Statistics.TlpsSent;

    /// <summary>
    /// Publishes this platform's counters on its own meters (created here, disposed with the platform): DMA, PCIe link,
    /// IDE, IOMMU and RMP instruments under <c>sevtio.*</c>. Observable instruments read plain fields at collection time.
    /// </summary>
    public void CreateInstruments()
    {
        if (_meters.Count > 0)
        {
            return;
        }

        var dma = NewMeter(DmaStatistics.MeterName);
        DmaStatistics.CreateInstruments(dma);

        var pcie = NewMeter("SevTio.Pcie");
        pcie.CreateObservableCounter(
            "sevtio.pcie.tlps",
            () => new[]
            {
                new Measurement<long>(Volatile.Read(ref Link.UpstreamPort.Statistics.TlpsSent), new KeyValuePair<string, object?>("direction", "upstream")),
                new Measurement<long>(Volatile.Read(ref Link.DownstreamPort.Statistics.TlpsSent), new KeyValuePair<string, object?>("direction", "downstream")),
            },
            "{tlp}",
            "TLPs sent on the device's link");
        pcie.CreateObservableCounter(
            "sevtio.pcie.wire",
            () => new[]
            {
                new Measurement<long>(Volatile.Read(ref Link.UpstreamPort.Statistics.WireBytes), new KeyValuePair<string, object?>("direction", "upstream")),
                new Measurement<long>(Volatile.Read(ref Link.DownstreamPort.Statistics.WireBytes), new KeyValuePair<string, object?>("direction", "downstream")),
            },
            "By",
            "Link bytes sent: TLPs with framing and IDE bytes");

        var ide = NewMeter("SevTio.Ide");
        ide.CreateObservableCounter("sevtio.ide.tlps.sealed", () => SumIde(s => s.TlpsSealed), "{tlp}", "TLPs IDE-sealed at the device and the root port (functional mode)");
        ide.CreateObservableCounter("sevtio.ide.tlps.verified", () => SumIde(s => s.TlpsVerified), "{tlp}", "TLPs whose IDE MAC verified (functional mode)");
        ide.CreateObservableCounter("sevtio.ide.check.failures", () => SumIde(s => s.CheckFailures), "{failure}", "IDE receive checks that failed");
        ide.CreateObservableCounter("sevtio.ide.sync.messages", () => SumIde(s => s.SyncMessagesSent) + (BurstTransport?.SyncMessages ?? 0), "{message}", "IDE Sync messages sent");

        Iommu.Counters.CreateInstruments(NewMeter(IommuCounters.MeterName));
        Rmp.Counters.CreateInstruments(NewMeter(RmpCounters.MeterName));
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }

        _meters.Clear();
        BurstTransport?.Dispose();
        Device.Dispose();
        RootPort.Dispose();
        Controller.Dispose();
    }

    private Meter NewMeter(string name)
    {
        var meter = new Meter(name, typeof(SevTioPlatform).Assembly.GetName().Version?.ToString());
        _meters.Add(meter);
        return meter;
    }

    private long SumIde(Func<IdeStreamStatistics, long> field)
    {
        long total = 0;
        foreach (var s in Device.Ide.Streams)
        {
            total += field(s.Statistics);
        }

        foreach (var s in RootPort.Ide.Streams)
        {
            total += field(s.Statistics);
        }

        return total;
    }

    private static ulong RoundUp(ulong value, ulong unit) => (value + unit - 1) / unit * unit;
}
