using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Iommu;

/// <summary>A 4 GiB SNP host with an IOMMU: the tables where a firmware would put them, and a page-table builder.</summary>
internal sealed class IommuPlatform : IDisposable
{
    public const ulong MemorySize = 4UL << 30;
    public const ulong RmpBase = 0xE000_0000;
    public const ulong DeviceTableBase = 0xD000_0000;
    public const ulong SecureDeviceTableBase = 0xD020_0000;
    public const ulong EventLogBase = 0xD060_0000;
    public const ulong TablePool = 0xC000_0000;

    public IommuPlatform(int iotlbEntries = 64, int eventLogEntries = 512)
    {
        Memory = new PhysicalMemory(MemorySize);
        Timing = new MemoryTiming();
        Controller = new MemoryController(Memory, Timing, new Random(99));
        Rmp = new RmpTable(Memory, Timing, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = MemorySize });
        Iommu = new AmdIommu(Memory, Timing, Rmp, new IommuConfiguration
        {
            DeviceTableBase = DeviceTableBase,
            SecureDeviceTableBase = SecureDeviceTableBase,
            EventLogBase = EventLogBase,
            EventLogEntries = eventLogEntries,
            IotlbEntries = iotlbEntries,
        });
        Tables = new IoPageTableBuilder(Memory, TablePool, 16UL << 20);
        Host = new HostMemoryView(Controller, Rmp);
    }

    public PhysicalMemory Memory { get; }

    public MemoryTiming Timing { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public AmdIommu Iommu { get; }

    public IoPageTableBuilder Tables { get; }

    public HostMemoryView Host { get; }

    /// <summary>A DMA engine as the root complex will drive one: translate, then move bytes only if allowed.</summary>
    public IommuTranslation DmaWrite(ushort rid, ulong address, ReadOnlySpan<byte> data, bool trusted)
    {
        var t = Iommu.Translate(DmaRequest.Write(rid, address, data.Length, trusted));
        if (t.Allowed)
        {
            Controller.Write(t.MemoryKeyAsid, t.HostPhysicalAddress, data);
        }

        return t;
    }

    public IommuTranslation DmaRead(ushort rid, ulong address, Span<byte> data, bool trusted)
    {
        var t = Iommu.Translate(DmaRequest.Read(rid, address, data.Length, trusted));
        if (t.Allowed)
        {
            Controller.Read(t.MemoryKeyAsid, t.HostPhysicalAddress, data);
        }

        return t;
    }

    public byte[] Raw(ulong spa, int length)
    {
        var b = new byte[length];
        Memory.Read(spa, b);
        return b;
    }

    public IommuEvent SingleEvent()
    {
        var events = Iommu.EventLog.Drain();
        return Assert.Single(events);
    }

    public void Dispose() => Controller.Dispose();
}
