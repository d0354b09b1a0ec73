using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Rmp;

/// <summary>Memory, memory controller and RMP wired as on an SNP host, with helpers that act as the hypervisor would.</summary>
internal sealed class SnpPlatform : IDisposable
{
    public SnpPlatform(ulong memorySize = 256UL << 20, ulong? rmpBase = null, int rmpCacheEntries = 1024)
    {
        Memory = new PhysicalMemory(memorySize);
        Timing = new MemoryTiming();
        Controller = new MemoryController(Memory, Timing, new Random(1234));
        Rmp = new RmpTable(Memory, Timing, new RmpConfiguration
        {
            RmpBase = rmpBase ?? memorySize - (32UL << 20),
            CoveredBytes = memorySize,
            CacheEntries = rmpCacheEntries,
        });
        Host = new HostMemoryView(Controller, Rmp);
    }

    public PhysicalMemory Memory { get; }

    public MemoryTiming Timing { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public HostMemoryView Host { get; }

    /// <summary>A guest: key installed, empty nested mapping.</summary>
    public GuestPhysicalMap CreateGuest(int asid)
    {
        Controller.InstallKey(asid);
        return new GuestPhysicalMap(asid);
    }

    public GuestMemoryView View(GuestPhysicalMap map, int vmpl = 0) => new(Controller, Rmp, map, vmpl);

    /// <summary>The hypervisor gives a 4 KiB page to the guest (RMPUPDATE + NPT); the guest validates it if asked.</summary>
    public void AssignPage(GuestPhysicalMap map, ulong gpa, ulong spa, bool validate = true)
    {
        Assert.Equal(RmpStatus.Success, Rmp.RmpUpdate(spa, RmpUpdateState.Guest(map.Asid, gpa)));
        map.Map(gpa, spa);
        if (validate)
        {
            Assert.Equal(RmpStatus.Success, View(map).Pvalidate(gpa, RmpPageSize.Size4K, true).Status);
        }
    }

    public void Dispose() => Controller.Dispose();
}
