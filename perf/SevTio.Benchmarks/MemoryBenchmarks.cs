using BenchmarkDotNet.Attributes;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;

namespace SevTio.Benchmarks;

/// <summary>
/// The memory side of the DMA path, per page or per request: memory-encrypting write and decrypting read of a 4 KiB page
/// (against a plain copy of the same page), IOMMU translation with an IOTLB hit and with a miss (a 4-level walk), for
/// ordinary (T=0) and trusted (T=1) requests, and RMP checks that hit the entry cache. None of them may allocate.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MemoryBenchmarks
{
    private const int Asid = 5;
    private const ushort HostRid = 0x0100;
    private const ushort TrustedRid = 0x4100;
    private const ulong PrivateGpa = 0x10_0000;
    private const ulong PrivateSpa = 0x0100_0000;
    private const ulong SharedSpa = 0x0300_0000;

    /// <summary>Pages cycled through for the miss benchmark: twice the IOTLB's 64 entries, so LRU misses every time.</summary>
    private const int MissPages = 128;

    private PhysicalMemory _memory = null!;
    private MemoryController _controller = null!;
    private RmpTable _rmp = null!;
    private AmdIommu _iommu = null!;
    private byte[] _page = null!;
    private byte[] _buffer = null!;
    private DmaRequest _hostHit;
    private DmaRequest _trustedHit;
    private int _missIndex;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new PhysicalMemory(4UL << 30);
        var timing = new MemoryTiming();
        _controller = new MemoryController(_memory, timing, new Random(1));
        _rmp = new RmpTable(_memory, timing, new RmpConfiguration { RmpBase = 0xE000_0000, CoveredBytes = 4UL << 30 });
        _iommu = new AmdIommu(_memory, timing, _rmp, new IommuConfiguration
        {
            DeviceTableBase = 0xD000_0000,
            SecureDeviceTableBase = 0xD020_0000,
            EventLogBase = 0xD060_0000,
        });

        _page = new byte[4096];
        _buffer = new byte[4096];
        new Random(2).NextBytes(_page);

        // A guest with one validated private page, reachable by a TDI through its sDTE.
        _controller.InstallKey(Asid);
        var map = new GuestPhysicalMap(Asid);
        _rmp.RmpUpdate(PrivateSpa, RmpUpdateState.Guest(Asid, PrivateGpa));
        map.Map(PrivateGpa, PrivateSpa);
        new GuestMemoryView(_controller, _rmp, map).Pvalidate(PrivateGpa, RmpPageSize.Size4K, true);
        _iommu.AttachGuest(map);
        var sdte = default(SecureDeviceTableEntry);
        sdte.Valid = true;
        sdte.Read = true;
        sdte.Write = true;
        sdte.Asid = Asid;
        sdte.VTomEnable = true;
        sdte.SetVTom(2UL << 40);
        _iommu.WriteSecureDeviceTableEntry(TrustedRid, sdte);

        // A host device with a 4-level table mapping shared pages.
        var tables = new IoPageTableBuilder(_memory, 0xC000_0000, 16UL << 20);
        var root = tables.CreateRoot();
        for (var i = 0UL; i < MissPages; i++)
        {
            tables.Map(root, 0x4000_0000 + (i << 12), SharedSpa + (i << 12));
        }

        _iommu.WriteDeviceTableEntry(HostRid, DeviceTableEntry.Translated(1, root));
        _hostHit = DmaRequest.Write(HostRid, 0x4000_0000 + 0x100, 256);
        _trustedHit = DmaRequest.Write(TrustedRid, PrivateGpa + 0x100, 256, trusted: true);

        _controller.WritePrivate(Asid, PrivateSpa, _page);
        for (var i = 0; i < MissPages; i++)
        {
            _iommu.Translate(DmaRequest.Write(HostRid, 0x4000_0000 + ((ulong)i << 12), 8)); // warm the RMP entry cache
        }

        _iommu.Translate(_hostHit);
        _iommu.Translate(_trustedHit);
    }

    [GlobalCleanup]
    public void Cleanup() => _controller.Dispose();

    /// <summary>Baseline: the same 4 KiB into the same page, unencrypted (a shared write).</summary>
    [Benchmark(Baseline = true)]
    public void RawWrite4K() => _controller.WriteRaw(SharedSpa, _page);

    /// <summary>A private 4 KiB write: XEX encryption straight into the page.</summary>
    [Benchmark]
    public void EncryptingWrite4K() => _controller.WritePrivate(Asid, PrivateSpa, _page);

    /// <summary>A private 4 KiB read: XEX decryption straight out of the page.</summary>
    [Benchmark]
    public void DecryptingRead4K() => _controller.ReadPrivate(Asid, PrivateSpa, _buffer);

    [Benchmark]
    public IommuTranslation TranslateIotlbHit() => _iommu.Translate(_hostHit);

    /// <summary>Every request misses the 64-entry IOTLB (128 pages round robin) and walks four levels; the RMP cache hits.</summary>
    [Benchmark]
    public IommuTranslation TranslateIotlbMiss4Level()
    {
        var i = _missIndex;
        _missIndex = (i + 1) & (MissPages - 1);
        return _iommu.Translate(DmaRequest.Write(HostRid, 0x4000_0000 + ((ulong)i << 12), 256));
    }

    [Benchmark]
    public IommuTranslation TranslateTrustedIotlbHit() => _iommu.Translate(_trustedHit);

    [Benchmark]
    public RmpCheckResult RmpCheckGuestPrivate() => _rmp.CheckGuestPrivate(PrivateSpa, Asid, PrivateGpa, 0, MemoryAccess.Write);

    [Benchmark]
    public RmpCheckResult RmpCheckHypervisorOwned() => _rmp.CheckHypervisorOwned(SharedSpa);
}
