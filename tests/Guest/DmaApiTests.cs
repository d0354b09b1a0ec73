using SevTio.Guest.Cpu;
using SevTio.Guest.Dma;
using SevTio.Guest.Tests.Fakes;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Tests;

/// <summary>
/// The DMA API in both worlds, with the device's DMA going through the real IOMMU and RMP: an unaccepted device bounces
/// through shared SWIOTLB slots (the CPU copies, and pays for it) and cannot reach private memory; an accepted device
/// maps private buffers directly with no copy and no conversion.
/// </summary>
public sealed class DmaApiTests
{
    // Round numbers so the expected costs are exact: 4096 B at 10 GB/s = 409.6 ns.
    private static readonly GuestCpuTiming Timing = new()
    {
        CopyBandwidth = new Bandwidth(10e9),
        CopySetup = SimTime.FromNanoseconds(50),
        SwiotlbSlotCost = SimTime.FromNanoseconds(100),
    };

    private static GuestFixture Fixture(bool placeSwiotlb = true) =>
        new(new GuestKernelOptions { Timing = Timing, SwiotlbSize = 1UL << 20 }, placeSwiotlb: placeSwiotlb);

    private static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static ulong PrivateBuffer(GuestFixture f, byte[] contents)
    {
        Assert.True(f.Kernel.Ram.TryAllocate((contents.Length + 4095) / 4096, out var gpa));
        Assert.True(f.Platform.GuestView.Write(gpa, contents).Succeeded);
        return gpa;
    }

    private static void Accept(GuestFixture f)
    {
        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
        Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
    }

    [Fact]
    public void Bounce_ToDevice_DeviceReadsTheDataFromASharedSlot()
    {
        using var f = Fixture();
        var data = Random(4096, 1);
        var buffer = PrivateBuffer(f, data);

        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, data.Length, DmaDirection.ToDevice, out var mapping));

        Assert.True(mapping.Bounced);
        Assert.True(f.Kernel.Dma.Swiotlb.Contains(mapping.DmaAddress));
        Assert.False(f.Platform.RmpEntryAt(mapping.DmaAddress).Assigned);
        var seen = new byte[data.Length];
        Assert.True(f.Platform.DeviceDmaRead(mapping.DmaAddress, seen, trusted: false).Allowed);
        Assert.Equal(data, seen);
        Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, mapping));
        Assert.Equal(0, f.Kernel.Dma.Swiotlb.Used);
    }

    [Fact]
    public void Bounce_FromDevice_DataReachesThePrivateBufferAtUnmap()
    {
        using var f = Fixture();
        var buffer = PrivateBuffer(f, new byte[8192]);
        var data = Random(8192, 2);
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, data.Length, DmaDirection.FromDevice, out var mapping));

        Assert.True(f.Platform.DeviceDmaWrite(mapping.DmaAddress, data, trusted: false).Allowed);
        var before = new byte[data.Length];
        Assert.True(f.Platform.GuestView.Read(buffer, before).Succeeded);
        Assert.NotEqual(data, before);
        Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, mapping));

        var after = new byte[data.Length];
        Assert.True(f.Platform.GuestView.Read(buffer, after).Succeeded);
        Assert.Equal(data, after);
    }

    [Fact]
    public void UnacceptedDevice_DmaIntoPrivateMemory_RefusedByTheIommu_AndLogged()
    {
        using var f = Fixture();
        var original = Random(4096, 3);
        var buffer = PrivateBuffer(f, original);

        var t = f.Platform.DeviceDmaWrite(buffer, new byte[64], trusted: false);

        Assert.False(t.Allowed);
        Assert.Equal(IommuFault.RmpViolation, t.Fault);
        var e = Assert.Single(f.Platform.Iommu.EventLog.Drain());
        Assert.Equal(IommuEventCode.RmpPageFault, e.Code);
        Assert.Equal(RmpViolation.NotHypervisorOwned, e.RmpViolation);
        var seen = new byte[original.Length];
        Assert.True(f.Platform.GuestView.Read(buffer, seen).Succeeded);
        Assert.Equal(original, seen);
    }

    [Fact]
    public void Bounce_CostsGuestCpuTime_DirectCostsNone()
    {
        using var bounce = Fixture();
        using var direct = Fixture();
        Accept(direct);
        var data = Random(4096, 4);
        var a = PrivateBuffer(bounce, data);
        var b = PrivateBuffer(direct, data);
        bounce.Kernel.Accounting.Reset();
        direct.Kernel.Accounting.Reset();
        var bounceStart = bounce.Platform.Scheduler.Now;
        var directStart = direct.Platform.Scheduler.Now;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Errno.None, bounce.Kernel.Dma.MapSingle(bounce.Device, a, 4096, DmaDirection.ToDevice, out var m1));
            Assert.Equal(Errno.None, bounce.Kernel.Dma.UnmapSingle(bounce.Device, m1));
            Assert.Equal(Errno.None, direct.Kernel.Dma.MapSingle(direct.Device, b, 4096, DmaDirection.ToDevice, out var m2));
            Assert.False(m2.Bounced);
            Assert.Equal(b, m2.DmaAddress);
            Assert.Equal(Errno.None, direct.Kernel.Dma.UnmapSingle(direct.Device, m2));
        }

        // Per map + unmap: slot search 100 ns, copy 50 ns + 4096 B / 10 GB/s = 459.6 ns, slot release 100 ns.
        var expected = SimTime.FromPicoseconds(10 * (100_000 + 50_000 + 409_600 + 100_000));
        Assert.Equal(expected, bounce.Kernel.Accounting.CopyTime);
        Assert.Equal(expected, bounce.Platform.Scheduler.Now - bounceStart);
        Assert.Equal(10 * 4096L, bounce.Kernel.Accounting.BouncedBytes);
        Assert.Equal(SimTime.Zero, direct.Kernel.Accounting.BounceOverheadTime);
        Assert.Equal(directStart, direct.Platform.Scheduler.Now);
        Assert.Equal(10, direct.Kernel.Dma.Statistics.DirectMaps);
        Assert.Equal(10, bounce.Kernel.Dma.Statistics.BouncedMaps);
    }

    [Fact]
    public void Bounce_FromDevice_CopiesAtMapAndAtUnmap()
    {
        using var f = Fixture();
        var buffer = PrivateBuffer(f, new byte[4096]);
        f.Kernel.Accounting.Reset();
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 4096, DmaDirection.FromDevice, out var mapping));
        Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, mapping));

        // Linux bounces at map whatever the direction (a partial device write must not expose stale slot data).
        Assert.Equal(2, f.Kernel.Accounting.BounceCopies);
        Assert.Equal(8192, f.Kernel.Accounting.BouncedBytes);
    }

    [Fact]
    public void Bounce_SkipCpuSync_CopiesNothing_SyncCallsCopyOnDemand()
    {
        using var f = Fixture();
        var buffer = PrivateBuffer(f, Random(4096, 5));
        f.Kernel.Accounting.Reset();
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 4096, DmaDirection.Bidirectional, out var mapping, DmaAttributes.SkipCpuSync));
        Assert.Equal(0, f.Kernel.Accounting.BounceCopies);

        var data = Random(4096, 6);
        Assert.True(f.Platform.DeviceDmaWrite(mapping.DmaAddress, data, trusted: false).Allowed);
        Assert.Equal(Errno.None, f.Kernel.Dma.SyncForCpu(mapping));
        var seen = new byte[4096];
        Assert.True(f.Platform.GuestView.Read(buffer, seen).Succeeded);
        Assert.Equal(data, seen);
        Assert.Equal(Errno.None, f.Kernel.Dma.SyncForDevice(mapping));
        Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, mapping, DmaAttributes.SkipCpuSync));
        Assert.Equal(2, f.Kernel.Accounting.BounceCopies);
    }

    [Fact]
    public void Bounce_MappingLimits_TooLargeEinval_PoolFullEnomem()
    {
        using var f = Fixture();
        Assert.True(f.Kernel.Ram.TryAllocate(128, out var big));
        Assert.Equal(SwiotlbPool.MaxMappingSize, DmaApi.MaxMappingSize(f.Device));
        Assert.Equal(Errno.EINVAL, f.Kernel.Dma.MapSingle(f.Device, big, SwiotlbPool.MaxMappingSize + 1, DmaDirection.ToDevice, out _));

        var mappings = new List<DmaMapping>();
        Errno error;
        while ((error = f.Kernel.Dma.MapSingle(f.Device, big, SwiotlbPool.MaxMappingSize, DmaDirection.ToDevice, out var m)) == Errno.None)
        {
            mappings.Add(m);
        }

        Assert.Equal(Errno.ENOMEM, error);
        Assert.Equal((int)(GuestTestPlatform.SwiotlbSize / SwiotlbPool.MaxMappingSize), mappings.Count);
    }

    [Fact]
    public void Direct_AcceptedDevice_TrustedDmaLandsInThePrivateBuffer_NoLimit()
    {
        using var f = Fixture();
        Accept(f);
        Assert.Equal(int.MaxValue, DmaApi.MaxMappingSize(f.Device));
        var buffer = PrivateBuffer(f, new byte[1 << 20]);
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 1 << 20, DmaDirection.FromDevice, out var mapping));
        var data = Random(4096, 7);

        var t = f.Platform.DeviceDmaWrite(mapping.DmaAddress + 0x3000, data, trusted: true);

        Assert.True(t.Allowed, t.ToString());
        Assert.True(t.IsPrivate);
        Assert.Equal(Errno.None, f.Kernel.Dma.UnmapSingle(f.Device, mapping));
        var seen = new byte[4096];
        Assert.True(f.Platform.GuestView.Read(buffer + 0x3000, seen).Succeeded);
        Assert.Equal(data, seen);
        Assert.NotEqual(data, f.Platform.HostRead(buffer + 0x3000, 4096));
    }

    [Fact]
    public void Coherent_UnacceptedDevice_ConvertedToShared_WithPscExitsAndCost_FreedBackToPrivate()
    {
        using var f = Fixture();
        var pscBefore = f.Hypervisor.ExitCounts.GetValueOrDefault(VmgExitCode.PageStateChange);
        var start = f.Platform.Scheduler.Now;

        Assert.Equal(Errno.None, f.Kernel.Dma.AllocCoherent(f.Device, 3 * 4096 - 100, out var ring));

        Assert.True(ring.Shared);
        Assert.Equal(3, ring.Pages);
        for (var i = 0UL; i < 3; i++)
        {
            Assert.False(f.Platform.RmpEntryAt(ring.CpuAddress + (i * 4096)).Assigned);
        }

        Assert.Equal(pscBefore + 1, f.Hypervisor.ExitCounts[VmgExitCode.PageStateChange]);
        Assert.Equal(3, f.Kernel.Accounting.ConvertedPages);
        Assert.True(f.Kernel.Accounting.ConversionTime >= Timing.PvalidateCost * 3 + (2 * f.Platform.Vcpu.WorldSwitchCost));
        Assert.True(f.Platform.Scheduler.Now - start >= f.Kernel.Accounting.ConversionTime);

        var descriptor = Random(64, 8);
        Assert.True(f.Platform.DeviceDmaWrite(ring.DmaAddress + 128, descriptor, trusted: false).Allowed);
        var seen = new byte[64];
        Assert.Equal(Errno.None, f.Kernel.Dma.Read(ring, 128, seen));
        Assert.Equal(descriptor, seen);

        Assert.Equal(Errno.None, f.Kernel.Dma.FreeCoherent(ring));
        var entry = f.Platform.RmpEntryAt(ring.CpuAddress);
        Assert.True(entry.Assigned && entry.Validated);
        Assert.Equal(6, f.Kernel.Accounting.ConvertedPages);
    }

    [Fact]
    public void Coherent_AcceptedDevice_StaysPrivate_NoConversion()
    {
        using var f = Fixture();
        Accept(f);
        var exits = f.Platform.Vcpu.Exits;
        f.Kernel.Accounting.Reset();

        Assert.Equal(Errno.None, f.Kernel.Dma.AllocCoherent(f.Device, 8192, out var ring));

        Assert.False(ring.Shared);
        Assert.Equal(exits, f.Platform.Vcpu.Exits);
        Assert.Equal(0, f.Kernel.Accounting.ConvertedPages);
        Assert.True(f.Platform.RmpEntryAt(ring.CpuAddress).Validated);
        var zero = new byte[8192];
        var seen = new byte[8192];
        Assert.Equal(Errno.None, f.Kernel.Dma.Read(ring, 0, seen));
        Assert.Equal(zero, seen);
        Assert.True(f.Platform.DeviceDmaWrite(ring.DmaAddress, new byte[16], trusted: true).Allowed);
    }

    [Fact]
    public void TimingOnly_ChargesTheCopy_MovesNoBytes()
    {
        using var f = new GuestFixture(new GuestKernelOptions { Timing = Timing, CopiesData = false });
        var buffer = PrivateBuffer(f, Random(4096, 9));
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 4096, DmaDirection.ToDevice, out var mapping));
        Assert.Equal(new byte[4096], f.Platform.HostRead(mapping.DmaAddress, 4096));
        Assert.Equal(SimTime.FromPicoseconds(100_000 + 459_600), f.Kernel.Accounting.CopyTime);
    }

    [Fact]
    public void Boot_WithoutHostPlacedPool_CarvesAndDecryptsIt()
    {
        using var f = Fixture(placeSwiotlb: false);
        var pool = f.Kernel.Dma.Swiotlb;
        Assert.Equal(1UL << 20, pool.Size);
        Assert.True(f.Kernel.Ram.Contains(pool.BaseGpa));
        Assert.Equal(256, f.Kernel.BootConversionPages);
        Assert.False(f.Platform.RmpEntryAt(pool.BaseGpa).Assigned);
        Assert.Equal(0, f.Kernel.Accounting.ConvertedPages); // boot work is not DMA work

        var data = Random(4096, 10);
        var buffer = PrivateBuffer(f, data);
        Assert.Equal(Errno.None, f.Kernel.Dma.MapSingle(f.Device, buffer, 4096, DmaDirection.ToDevice, out var mapping));
        Assert.Equal(data, f.Platform.HostRead(mapping.DmaAddress, 4096));
    }
}

/// <summary>The DMA API's per-mapping path allocates nothing once warm (map, copy, unmap; both worlds).</summary>
public sealed class DmaApiAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MapUnmap_SteadyState_AllocatesNothing(bool accepted)
    {
        using var f = new GuestFixture(new GuestKernelOptions { SwiotlbSize = 1UL << 20 });
        if (accepted)
        {
            Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));
            Assert.Equal(Errno.None, f.Write(GuestFixture.Accept, "1"));
        }

        Assert.True(f.Kernel.Ram.TryAllocate(4, out var buffer));
        var dma = f.Kernel.Dma;
        var device = f.Device;
        // Warm up over the whole 4 MiB host-placed pool (the slots rotate): simulated memory materialises a page the
        // first time it is touched, which is the memory model's one-off cost, not the DMA API's.
        for (var warm = 0; warm < 1000; warm++)
        {
            RoundTrip(dma, device, buffer);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++)
        {
            RoundTrip(dma, device, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RoundTrip(DmaApi dma, Pci.GuestPciDevice device, ulong buffer)
    {
        if (dma.MapSingle(device, buffer, 16384, DmaDirection.Bidirectional, out var mapping) != Errno.None ||
            dma.SyncForCpu(mapping) != Errno.None ||
            dma.UnmapSingle(device, mapping) != Errno.None)
        {
            throw new InvalidOperationException("mapping failed");
        }
    }
}
