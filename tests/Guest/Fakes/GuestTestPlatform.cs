using SevTio.Guest.Memory;
using SevTio.Guest.Pci;
using SevTio.Hw.Cpu;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Tests.Fakes;

/// <summary>
/// An SNP host with one confidential guest and one TDISP device, built from the real silicon models (memory with
/// per-ASID encryption, RMP, nested mapping, IOMMU with DTE and sDTE, the guest vCPU) and fake software above them: a
/// hypervisor (<see cref="FakeHypervisor"/>) and PSP (<see cref="FakePsp"/>) written for these tests, which can
/// misbehave on demand. The guest kernel under test boots on <see cref="Vcpu"/> and sees only its memory view, VMGEXIT,
/// config accesses and MMIO.
/// </summary>
/// <remarks>
/// Layout (GPA → SPA): RAM 0x0100_0000 → 0x1100_0000 (16 MiB, private, validated); shared window 0x0400_0000 →
/// 0x1400_0000 (256 KiB; its first page is the GHCB); host-placed SWIOTLB 0x0500_0000 → 0x1500_0000 (4 MiB); BAR0
/// 0xE000_0000 → 0x2000_0000 (64 KiB, TEE registers); BAR2 0xE001_0000 → 0x2001_0000 (16 KiB: MSI-X table, PBA,
/// non-TEE doorbells). IOMMU tables at 0x3000_0000, RMP at 0x3C00_0000 covering the 1 GiB.
/// </remarks>
internal sealed class GuestTestPlatform : IDisposable
{
    public const int Asid = 7;
    public const ulong MemorySize = 1UL << 30;
    public const ulong RamGpa = 0x0100_0000;
    public const ulong RamSpa = 0x1100_0000;
    public const ulong RamSize = 16UL << 20;
    public const ulong SharedGpa = 0x0400_0000;
    public const ulong SharedSpa = 0x1400_0000;
    public const ulong SharedSize = 256UL << 10;
    public const ulong SwiotlbGpa = 0x0500_0000;
    public const ulong SwiotlbSpa = 0x1500_0000;
    public const ulong SwiotlbSize = 4UL << 20;
    public const ulong Bar0Gpa = 0xE000_0000;
    public const ulong Bar0Spa = 0x2000_0000;
    public const ulong Bar0Size = 64UL << 10;
    public const ulong Bar2Gpa = 0xE001_0000;
    public const ulong Bar2Spa = 0x2001_0000;
    public const ulong Bar2Size = 16UL << 10;
    public const ulong DeviceTableBase = 0x3000_0000;
    public const ulong SecureDeviceTableBase = 0x3020_0000;
    public const ulong EventLogBase = 0x3060_0000;
    public const ulong TablePool = 0x3100_0000;
    public const ulong RmpBase = 0x3C00_0000;
    public const ushort DomainId = 1;

    public static readonly PciAddress DeviceAddress = new(0, 1, 0, 0);

    public GuestTestPlatform(bool advertiseTio = true, bool placeSwiotlb = true, int seed = 1, bool validateRam = true)
    {
        Memory = new PhysicalMemory(MemorySize);
        Timing = new MemoryTiming();
        Controller = new MemoryController(Memory, Timing, new Random(seed));
        Rmp = new RmpTable(Memory, Timing, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = MemorySize });
        Host = new HostMemoryView(Controller, Rmp);
        Map = new GuestPhysicalMap(Asid);
        Controller.InstallKey(Asid);
        GuestView = new GuestMemoryView(Controller, Rmp, Map);
        Scheduler = new Scheduler();
        Iommu = new AmdIommu(Memory, Timing, Rmp, new IommuConfiguration
        {
            DeviceTableBase = DeviceTableBase,
            SecureDeviceTableBase = SecureDeviceTableBase,
            EventLogBase = EventLogBase,
        });
        Tables = new IoPageTableBuilder(Memory, TablePool, 16UL << 20);
        PlaceSwiotlb = placeSwiotlb;

        // Launch: RAM assigned and validated (LAUNCH_UPDATE + firmware acceptance), the rest mapped shared.
        for (ulong offset = 0; offset < RamSize; offset += PhysicalMemory.PageSize)
        {
            Assert.Equal(RmpStatus.Success, Rmp.RmpUpdate(RamSpa + offset, RmpUpdateState.Guest(Asid, RamGpa + offset)));
            Map.Map(RamGpa + offset, RamSpa + offset);
            if (validateRam)
            {
                Assert.Equal(RmpStatus.Success, GuestView.Pvalidate(RamGpa + offset, RmpPageSize.Size4K, true).Status);
            }
        }

        RamValidated = validateRam;

        MapRange(SharedGpa, SharedSpa, SharedSize);
        MapRange(SwiotlbGpa, SwiotlbSpa, SwiotlbSize);
        MapRange(Bar0Gpa, Bar0Spa, Bar0Size);
        MapRange(Bar2Gpa, Bar2Spa, Bar2Size);

        // VFIO: the device's ordinary (T=0) DMA is translated GPA → SPA by the host's I/O page table.
        var root = Tables.CreateRoot();
        MapIo(root, RamGpa, RamSpa, RamSize);
        MapIo(root, SharedGpa, SharedSpa, SharedSize);
        MapIo(root, SwiotlbGpa, SwiotlbSpa, SwiotlbSize);
        Iommu.WriteDeviceTableEntry(DeviceAddress.RequesterId, DeviceTableEntry.Translated(DomainId, root));
        Iommu.AttachGuest(Map);

        var keys = new Random(seed + 100);
        Vmpck = new byte[32];
        keys.NextBytes(Vmpck);
        Device = new FakeTdiDevice(this);
        Psp = new FakePsp(this);
        Hypervisor = new FakeHypervisor(this);
        Vcpu = new GuestVcpu(Asid, GuestView, Scheduler)
        {
            Hypervisor = Hypervisor,
            HypervisorFeatures = (ulong)GhcbHypervisorFeatures.Snp | (advertiseTio ? (ulong)GhcbHypervisorFeatures.SnpSevTio : 0),
        };
    }

    public PhysicalMemory Memory { get; }

    public MemoryTiming Timing { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public HostMemoryView Host { get; }

    public GuestPhysicalMap Map { get; }

    public GuestMemoryView GuestView { get; }

    public Scheduler Scheduler { get; }

    public AmdIommu Iommu { get; }

    public IoPageTableBuilder Tables { get; }

    public GuestVcpu Vcpu { get; }

    public byte[] Vmpck { get; }

    public FakeTdiDevice Device { get; }

    public FakePsp Psp { get; }

    public FakeHypervisor Hypervisor { get; }

    public bool PlaceSwiotlb { get; }

    public bool RamValidated { get; }

    /// <summary>Set to have the guest read its VMPCK from a secrets page instead of being handed it.</summary>
    public ulong? SecretsGpa { get; set; }

    public GuestMemoryLayout Layout => new()
    {
        RamBase = RamGpa,
        RamSize = RamSize,
        RamValidated = RamValidated,
        GhcbGpa = SharedGpa,
        SharedBase = SharedGpa + 4096,
        SharedSize = SharedSize - 4096,
        SecretsGpa = SecretsGpa,
        SwiotlbBase = PlaceSwiotlb ? SwiotlbGpa : 0,
        SwiotlbSize = PlaceSwiotlb ? SwiotlbSize : 0,
    };

    public GuestPlatform GuestPlatform => new()
    {
        Memory = Layout,
        Secrets = SecretsGpa is null ? new GuestSecrets(Vmpck, 0) : null,
        PciFunctions = [new GuestPciFunction(DeviceAddress, Device.ConfigAccess)],
        Mmio = Device,
    };

    public GuestKernel Boot(GuestKernelOptions? options = null) => GuestKernel.Boot(Vcpu, GuestPlatform, options);

    public ulong Translate(ulong gpa)
    {
        Assert.True(Map.TryTranslate(gpa, out var spa, out _), $"GPA 0x{gpa:X} is not mapped");
        return spa;
    }

    /// <summary>What the host sees at a guest address: raw bytes (ciphertext for private pages).</summary>
    public byte[] HostRead(ulong gpa, int length)
    {
        var bytes = new byte[length];
        for (var done = 0; done < length;)
        {
            var chunk = PhysicalMemory.ChunkInPage(gpa + (ulong)done, length - done);
            Assert.True(Host.Read(Translate(gpa + (ulong)done), bytes.AsSpan(done, chunk)).Succeeded);
            done += chunk;
        }

        return bytes;
    }

    /// <summary>A host write to a guest address; false if the RMP refuses (a private page).</summary>
    public bool HostWrite(ulong gpa, ReadOnlySpan<byte> data)
    {
        for (var done = 0; done < data.Length;)
        {
            var chunk = PhysicalMemory.ChunkInPage(gpa + (ulong)done, data.Length - done);
            if (!Host.Write(Translate(gpa + (ulong)done), data.Slice(done, chunk)).Succeeded)
            {
                return false;
            }

            done += chunk;
        }

        return true;
    }

    /// <summary>
    /// The device writes through the IOMMU (T=0 ordinary, T=1 trusted), one request per 4 KiB page as TLPs never cross
    /// one; bytes land only where it allows. Returns the first refusal, or the last translation.
    /// </summary>
    public IommuTranslation DeviceDmaWrite(ulong address, ReadOnlySpan<byte> data, bool trusted)
    {
        IommuTranslation t = default;
        for (var done = 0; done < data.Length;)
        {
            var chunk = PhysicalMemory.ChunkInPage(address + (ulong)done, data.Length - done);
            t = Iommu.Translate(DmaRequest.Write(DeviceAddress.RequesterId, address + (ulong)done, chunk, trusted));
            if (!t.Allowed)
            {
                return t;
            }

            Controller.Write(t.MemoryKeyAsid, t.HostPhysicalAddress, data.Slice(done, chunk));
            done += chunk;
        }

        return t;
    }

    public IommuTranslation DeviceDmaRead(ulong address, Span<byte> data, bool trusted)
    {
        IommuTranslation t = default;
        for (var done = 0; done < data.Length;)
        {
            var chunk = PhysicalMemory.ChunkInPage(address + (ulong)done, data.Length - done);
            t = Iommu.Translate(DmaRequest.Read(DeviceAddress.RequesterId, address + (ulong)done, chunk, trusted));
            if (!t.Allowed)
            {
                return t;
            }

            Controller.Read(t.MemoryKeyAsid, t.HostPhysicalAddress, data.Slice(done, chunk));
            done += chunk;
        }

        return t;
    }

    public RmpEntry RmpEntryAt(ulong gpa) => Rmp.ReadEntry(Translate(gpa));

    public void Dispose() => Controller.Dispose();

    private void MapRange(ulong gpa, ulong spa, ulong size)
    {
        for (ulong offset = 0; offset < size; offset += PhysicalMemory.PageSize)
        {
            Map.Map(gpa + offset, spa + offset);
        }
    }

    private void MapIo(ulong root, ulong gpa, ulong spa, ulong size)
    {
        for (ulong offset = 0; offset < size; offset += PhysicalMemory.PageSize)
        {
            Tables.Map(root, gpa + offset, spa + offset);
        }
    }
}
