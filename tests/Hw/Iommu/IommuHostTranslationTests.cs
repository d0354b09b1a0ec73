using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Iommu;

/// <summary>T=0 DMA through the device table and AMD v1 host I/O page tables (spec #48882), with the SNP RMP rule.</summary>
public sealed class IommuHostTranslationTests : IDisposable
{
    private const ushort Rid = 0x0310; // 03:02.0
    private const ushort Domain = 0x2A;

    private readonly IommuPlatform _p = new();
    private readonly ulong _root;

    public IommuHostTranslationTests()
    {
        _root = _p.Tables.CreateRoot();
        _p.Iommu.WriteDeviceTableEntry(Rid, DeviceTableEntry.Translated(Domain, _root));
    }

    public void Dispose() => _p.Dispose();

    [Theory]
    [InlineData(IoPageSize.Size4K, 0x0000_1234_5000UL, 0x0567_8000UL, 0x0123UL, 4)]
    [InlineData(IoPageSize.Size2M, 0x0000_4020_0000UL, 0x0800_0000UL, 0x1_2345UL, 3)]
    [InlineData(IoPageSize.Size1G, 0x0001_C000_0000UL, 0x4000_0000UL, 0x2345_6789UL, 2)]
    [InlineData(IoPageSize.Size4K, 0x7FFF_FFFF_F000UL, 0x0001_0000UL, 0x0FF8UL, 4)] // the top of the 48-bit space
    public void Translate_EachLeafSize_WalksToTheRightHostAddress(IoPageSize size, ulong iova, ulong hpa, ulong offset, int levelsRead)
    {
        _p.Tables.Map(_root, iova, hpa, size);

        var t = _p.Iommu.Translate(DmaRequest.Write(Rid, iova + offset, 8));

        Assert.True(t.Allowed, t.ToString());
        // Independent: a leaf of 2^k bytes keeps the low k bits of the address.
        Assert.Equal(hpa + offset, t.HostPhysicalAddress);
        Assert.False(t.IsPrivate);
        Assert.False(t.IotlbHit);
        Assert.Equal(levelsRead, _p.Iommu.Counters.WalkReads);
        // IOTLB lookup + DTE fetch + one 8-byte read per level + RMP entry-cache miss (own entry and 2 MiB head entry,
        // unless the target page is 2 MiB aligned and its own entry answers).
        var rmpReads = ((hpa + offset) & 0x1F_FFFF) < 4096 ? 1 : 2;
        var expected = _p.Iommu.Configuration.IotlbHitLatency + _p.Timing.ReadCost(32) + (_p.Timing.ReadCost(8) * levelsRead)
            + _p.Rmp.Configuration.CacheHitLatency + (_p.Timing.ReadCost(16) * rmpReads);
        Assert.Equal(expected, t.Latency);
    }

    [Fact]
    public void Translate_SamePageTwice_SecondHitsTheIotlb()
    {
        _p.Tables.Map(_root, 0x10_0000, 0x0600_0000);
        _p.Iommu.Translate(DmaRequest.Read(Rid, 0x10_0000, 64));

        var t = _p.Iommu.Translate(DmaRequest.Read(Rid, 0x10_0F00, 256));

        Assert.True(t.IotlbHit);
        Assert.Equal(0x0600_0F00UL, t.HostPhysicalAddress);
        Assert.Equal(_p.Iommu.Configuration.IotlbHitLatency + _p.Rmp.Configuration.CacheHitLatency, t.Latency); // IOTLB hit + RMP cache hit
        Assert.Equal(1, _p.Iommu.Counters.IotlbHits);
        Assert.Equal(1, _p.Iommu.Counters.IotlbMisses);
        Assert.Equal(1, _p.Iommu.Counters.Walks);
    }

    [Fact]
    public void Iotlb_Full_EvictsTheLeastRecentlyUsed()
    {
        using var p = new IommuPlatform(iotlbEntries: 4);
        var root = p.Tables.CreateRoot();
        p.Iommu.WriteDeviceTableEntry(Rid, DeviceTableEntry.Translated(Domain, root));
        for (var i = 0UL; i < 5; i++)
        {
            p.Tables.Map(root, i << 12, 0x0700_0000 + (i << 12));
        }

        bool Hit(ulong page) => p.Iommu.Translate(DmaRequest.Read(Rid, page << 12, 4)).IotlbHit;

        Assert.False(Hit(0));
        Assert.False(Hit(1));
        Assert.False(Hit(2));
        Assert.False(Hit(3)); // recency, newest first: 3 2 1 0
        Assert.True(Hit(0)); // 0 3 2 1
        Assert.False(Hit(4)); // evicts 1 → 4 0 3 2
        Assert.False(Hit(1)); // evicts 2 → 1 4 0 3
        Assert.True(Hit(0));
        Assert.True(Hit(3));
        Assert.False(Hit(2));
        Assert.Equal(3, p.Iommu.Iotlb.Evictions);
        Assert.Equal(4, p.Iommu.Iotlb.Count);
    }

    [Fact]
    public void InvalidatePages_AfterRemap_NextRequestWalksTheNewTable()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        Assert.Equal(0x0600_0010UL, _p.Iommu.Translate(DmaRequest.Read(Rid, 0x20_0010, 4)).HostPhysicalAddress);

        _p.Tables.Map(_root, 0x20_0000, 0x0601_0000);
        // Until the host invalidates, the IOTLB keeps the old translation (as the architecture allows).
        Assert.Equal(0x0600_0010UL, _p.Iommu.Translate(DmaRequest.Read(Rid, 0x20_0010, 4)).HostPhysicalAddress);

        _p.Iommu.InvalidatePages(Domain, 0x20_0000, 4096);
        Assert.Equal(0x0601_0010UL, _p.Iommu.Translate(DmaRequest.Read(Rid, 0x20_0010, 4)).HostPhysicalAddress);
    }

    [Fact]
    public void InvalidateDeviceTableEntry_NewDteTakesEffectOnlyAfterTheCommand()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        Assert.True(_p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 4)).Allowed);

        _p.Iommu.WriteDeviceTableEntry(Rid, DeviceTableEntry.Blocked(Domain));
        Assert.True(_p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 4)).Allowed);

        _p.Iommu.InvalidateDeviceTableEntry(Rid);
        var t = _p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 4));
        Assert.Equal(IommuFault.PermissionDenied, t.Fault);
    }

    [Fact]
    public void NotPresent_IsRefusedAndLoggedAsIoPageFault()
    {
        var t = _p.Iommu.Translate(DmaRequest.Write(Rid, 0x3000_0040, 16));

        Assert.False(t.Allowed);
        Assert.Equal(IommuFault.NotPresent, t.Fault);
        var e = _p.SingleEvent();
        Assert.Equal(IommuEventCode.IoPageFault, e.Code);
        Assert.Equal(Rid, e.DeviceId);
        Assert.Equal(Domain, e.DomainOrTag);
        Assert.Equal(0x3000_0040UL, e.Address);
        Assert.True(e.IsWrite);
        Assert.Equal(0, (int)(e.Flags & IommuEventFlags.Present));
    }

    [Fact]
    public void WriteToReadOnlyLeaf_IsRefusedWithPermissionFlags()
    {
        _p.Tables.Map(_root, 0x40_0000, 0x0600_0000, read: true, write: false);
        Assert.True(_p.Iommu.Translate(DmaRequest.Read(Rid, 0x40_0000, 4)).Allowed);

        var t = _p.Iommu.Translate(DmaRequest.Write(Rid, 0x40_0000, 4));

        Assert.Equal(IommuFault.PermissionDenied, t.Fault);
        var e = _p.SingleEvent();
        Assert.Equal(IommuEventCode.IoPageFault, e.Code);
        Assert.Equal(IommuEventFlags.Present | IommuEventFlags.PermissionError | IommuEventFlags.Write, e.Flags);
    }

    [Fact]
    public void ReadOnlyIntermediateLevel_DeniesWritesBelowIt()
    {
        _p.Tables.Map(_root, 0x50_0000, 0x0600_0000);
        // Clear IW in the level-3 PDE on the path: permissions AND over the walk.
        var l4 = new IoPageTableEntry(_p.Memory.ReadUInt64(_root));
        var l3Slot = l4.Address + ((0x50_0000UL >> 30) & 511) * 8;
        var l3 = new IoPageTableEntry(_p.Memory.ReadUInt64(l3Slot));
        _p.Memory.WriteUInt64(l3Slot, IoPageTableEntry.Directory(l3.Address, 2, read: true, write: false).Raw);

        Assert.Equal(IommuFault.PermissionDenied, _p.Iommu.Translate(DmaRequest.Write(Rid, 0x50_0000, 4)).Fault);
        Assert.True(_p.Iommu.Translate(DmaRequest.Read(Rid, 0x50_0000, 4)).Allowed);
    }

    [Fact]
    public void DteWithoutWritePermission_RefusesWrites()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        _p.Iommu.WriteDeviceTableEntry(Rid, DeviceTableEntry.Translated(Domain, _root, write: false));
        _p.Iommu.InvalidateDeviceTableEntry(Rid);
        Assert.Equal(IommuFault.PermissionDenied, _p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 4)).Fault);
        Assert.True(_p.Iommu.Translate(DmaRequest.Read(Rid, 0x20_0000, 4)).Allowed);
    }

    [Fact]
    public void DteTranslationNotValid_IsRefused()
    {
        var dte = DeviceTableEntry.Translated(Domain, _root);
        dte.TranslationValid = false;
        _p.Iommu.WriteDeviceTableEntry(Rid, dte);
        _p.Iommu.InvalidateDeviceTableEntry(Rid);

        Assert.Equal(IommuFault.TranslationNotValid, _p.Iommu.Translate(DmaRequest.Read(Rid, 0, 4)).Fault);
        Assert.Equal(IommuEventCode.IoPageFault, _p.SingleEvent().Code);
    }

    [Fact]
    public void DteReservedMode_IsAnIllegalDeviceTableEntry()
    {
        var dte = DeviceTableEntry.Translated(Domain, _root);
        dte.Mode = 7;
        _p.Iommu.WriteDeviceTableEntry(Rid, dte);
        _p.Iommu.InvalidateDeviceTableEntry(Rid);

        Assert.Equal(IommuFault.IllegalDeviceTableEntry, _p.Iommu.Translate(DmaRequest.Read(Rid, 0, 4)).Fault);
        Assert.Equal(IommuEventCode.IllegalDeviceTableEntry, _p.SingleEvent().Code);
    }

    [Fact]
    public void AddressBeyondTheTablesReach_IsRefused()
    {
        // Four levels translate 48 bits.
        Assert.Equal(IommuFault.AddressOutOfRange, _p.Iommu.Translate(DmaRequest.Read(Rid, 1UL << 48, 4)).Fault);
    }

    [Fact]
    public void LevelSkippingPde_IsReportedAsMalformed()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        var l4 = new IoPageTableEntry(_p.Memory.ReadUInt64(_root));
        _p.Memory.WriteUInt64(_root, IoPageTableEntry.Directory(l4.Address, 2).Raw); // level 4 → level 2

        Assert.Equal(IommuFault.MalformedEntry, _p.Iommu.Translate(DmaRequest.Read(Rid, 0x20_0000, 4)).Fault);
        Assert.True((_p.SingleEvent().Flags & IommuEventFlags.ReservedBit) != 0);
    }

    [Fact]
    public void RequestCrossingAPage_IsAnInvalidDeviceRequest()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        Assert.Equal(IommuFault.MalformedRequest, _p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0F80, 256)).Fault);
        Assert.Equal(IommuEventCode.InvalidDeviceRequest, _p.SingleEvent().Code);
    }

    [Fact]
    public void TranslationOutsideMemory_IsRefused()
    {
        _p.Tables.Map(_root, 0x20_0000, 5UL << 30); // beyond the 4 GiB of memory
        Assert.Equal(IommuFault.HostAddressOutOfRange, _p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 4)).Fault);
    }

    [Fact]
    public void InvalidDte_PassesThroughUntranslated_ModeZeroChecksPermissions()
    {
        const ushort other = 0x0500;
        var t = _p.Iommu.Translate(DmaRequest.Write(other, 0x0600_1234, 4));
        Assert.True(t.Allowed);
        Assert.Equal(0x0600_1234UL, t.HostPhysicalAddress);

        _p.Iommu.WriteDeviceTableEntry(other, DeviceTableEntry.PassThrough(7, read: true, write: false));
        _p.Iommu.InvalidateDeviceTableEntry(other);
        Assert.True(_p.Iommu.Translate(DmaRequest.Read(other, 0x0600_1234, 4)).Allowed);
        Assert.Equal(IommuFault.PermissionDenied, _p.Iommu.Translate(DmaRequest.Write(other, 0x0600_1234, 4)).Fault);
    }

    [Fact]
    public void DmaToGuestPrivatePage_IsAnRmpPageFaultAndNothingIsWritten()
    {
        // Plain SNP: ordinary DMA only reaches hypervisor-owned pages, reads as well as writes.
        _p.Controller.InstallKey(3);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(0x0600_0000, RmpUpdateState.Guest(3, 0x1000)));
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        var before = _p.Raw(0x0600_0000, 4096);

        var write = _p.DmaWrite(Rid, 0x20_0100, new byte[64], trusted: false);
        var read = _p.DmaRead(Rid, 0x20_0100, new byte[64], trusted: false);

        Assert.Equal(IommuFault.RmpViolation, write.Fault);
        Assert.Equal(RmpViolation.NotHypervisorOwned, write.RmpViolation);
        Assert.Equal(IommuFault.RmpViolation, read.Fault);
        Assert.Equal(before, _p.Raw(0x0600_0000, 4096));
        var events = _p.Iommu.EventLog.Drain();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(IommuEventCode.RmpPageFault, e.Code));
        Assert.Equal(0x20_0100UL, events[0].Address);
        Assert.Equal(RmpViolation.NotHypervisorOwned, events[0].RmpViolation);
        Assert.True(events[0].IsWrite);
        Assert.False(events[1].IsWrite);
        Assert.Equal(2, _p.Iommu.Counters.RmpPageFaults);
    }

    [Fact]
    public void DmaToTheRmpTable_IsRefused()
    {
        _p.Tables.Map(_root, 0x20_0000, IommuPlatform.RmpBase + 0x10_0000);
        var t = _p.Iommu.Translate(DmaRequest.Write(Rid, 0x20_0000, 16));
        Assert.Equal(IommuFault.RmpViolation, t.Fault);
    }

    [Fact]
    public void EventLog_Full_SetsOverflowAndDropsFurtherEvents()
    {
        using var p = new IommuPlatform(eventLogEntries: 256);
        for (var i = 0; i < 300; i++)
        {
            p.Iommu.Translate(DmaRequest.Write(0x0100, 0x0FFF, 2)); // crosses a page: invalid request
        }

        Assert.Equal(255, p.Iommu.EventLog.Count); // a ring of N holds N − 1
        Assert.True(p.Iommu.EventLog.Overflow);
        Assert.Equal(45, p.Iommu.Counters.EventsDropped);
        Assert.Equal(300, p.Iommu.Counters.InvalidDeviceRequests);
    }

    [Fact]
    public void TranslateWithIotlbAndRmpCacheHits_DoesNotAllocate()
    {
        _p.Tables.Map(_root, 0x20_0000, 0x0600_0000);
        var request = DmaRequest.Write(Rid, 0x20_0100, 256);
        _p.Iommu.Translate(request);
        _p.Iommu.Translate(request);

        Assert.Equal(0, AllocationProbe.MinimumBytesPerWindow(() => _p.Iommu.Translate(request)));
    }
}
