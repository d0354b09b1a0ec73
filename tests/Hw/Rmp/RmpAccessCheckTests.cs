using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Rmp;

/// <summary>CPU accesses by the host and by guests against APM vol. 2 table 15-39.</summary>
public sealed class RmpAccessCheckTests : IDisposable
{
    private const ulong Page = 0x0100_0000;
    private const ulong Gpa = 0x8000;

    private readonly SnpPlatform _p = new();

    public void Dispose() => _p.Dispose();

    [Fact]
    public void HostWrite_GuestPage_TakesRmpPageFaultAndWritesNothing()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        _p.View(map).Write(Gpa, new byte[64]);
        var before = RawPage(Page);

        var result = _p.Host.Write(Page + 16, new byte[] { 0xEE, 0xEE });

        Assert.Equal(CpuFault.PageFault, result.Fault);
        Assert.Equal(RmpViolation.NotHypervisorOwned, result.Violation);
        Assert.Equal(before, RawPage(Page));
    }

    [Fact]
    public void HostWrite_FirmwarePage_TakesRmpPageFault()
    {
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Page, RmpUpdateState.Firmware()));
        Assert.Equal(CpuFault.PageFault, _p.Host.Write(Page, new byte[8]).Fault);
    }

    [Fact]
    public void HostWrite_RmpTable_TakesRmpPageFault()
    {
        var result = _p.Host.Write(_p.Rmp.RmpBase + 0x4000, new byte[16]);
        Assert.Equal(CpuFault.PageFault, result.Fault);
        Assert.Equal(RmpViolation.RmpTableAccess, result.Violation);
    }

    [Fact]
    public void HostWrite_RangeEndingInAGuestPage_WritesNothing()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        var data = new byte[100];
        Array.Fill(data, (byte)0x5A);

        var result = _p.Host.Write(Page - 50, data);

        Assert.Equal(CpuFault.PageFault, result.Fault);
        Assert.Equal(Page, result.FaultAddress);
        var tail = new byte[50];
        _p.Memory.Read(Page - 50, tail);
        Assert.All(tail, b => Assert.Equal(0, b));
    }

    [Fact]
    public void HostReadOfGuestPage_SeesCiphertext_GuestSeesPlaintext()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        var secret = "attack at dawn, bring the private key"u8.ToArray();
        Assert.True(_p.View(map).Write(Gpa + 100, secret).Succeeded);

        var host = new byte[secret.Length];
        var guest = new byte[secret.Length];
        Assert.True(_p.Host.Read(Page + 100, host).Succeeded);
        Assert.True(_p.View(map).Read(Gpa + 100, guest).Succeeded);

        Assert.Equal(secret, guest);
        Assert.NotEqual(secret, host);
    }

    [Fact]
    public void GuestPrivateAccess_UnvalidatedPage_TakesVmmCommunicationException()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page, validate: false);

        var result = _p.View(map).Read(Gpa, new byte[8]);

        Assert.Equal(CpuFault.VmmCommunication, result.Fault);
        Assert.Equal(RmpViolation.NotValidated, result.Violation);
        Assert.Equal(Gpa, result.FaultAddress);
    }

    [Fact]
    public void GuestPrivateAccess_PageOfAnotherGuest_TakesNestedPageFault()
    {
        var victim = _p.CreateGuest(8);
        _p.AssignPage(victim, Gpa, Page);
        var attacker = _p.CreateGuest(7);
        attacker.Map(Gpa, Page); // a hostile hypervisor maps the victim's page into the attacker

        var result = _p.View(attacker).Read(Gpa, new byte[8]);

        Assert.Equal(CpuFault.NestedPageFault, result.Fault);
        Assert.Equal(RmpViolation.AsidMismatch, result.Violation);
    }

    [Fact]
    public void GuestPrivateAccess_RemappedGpa_TakesNestedPageFault()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        _p.AssignPage(map, Gpa + 0x1000, Page + 0x1000);
        // The hypervisor swaps the two pages in the nested table: the Reverse-Map check refuses both.
        map.Map(Gpa, Page + 0x1000);
        map.Map(Gpa + 0x1000, Page);

        var result = _p.View(map).Write(Gpa, new byte[8]);

        Assert.Equal(CpuFault.NestedPageFault, result.Fault);
        Assert.Equal(RmpViolation.GpaMismatch, result.Violation);
    }

    [Fact]
    public void GuestWrite_SecondPageFaults_FirstPageUnchanged()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        _p.AssignPage(map, Gpa + 0x1000, Page + 0x1000, validate: false);
        var before = RawPage(Page);

        var result = _p.View(map).Write(Gpa + 0xF00, new byte[0x200]);

        Assert.Equal(CpuFault.VmmCommunication, result.Fault);
        Assert.Equal(Gpa + 0x1000, result.FaultAddress);
        Assert.Equal(before, RawPage(Page));
    }

    [Fact]
    public void GuestSharedWrite_PrivatePage_TakesNestedPageFault()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        var result = _p.View(map).Write(Gpa, new byte[8], encrypted: false);
        Assert.Equal(CpuFault.NestedPageFault, result.Fault);
        Assert.Equal(RmpViolation.NotHypervisorOwned, result.Violation);
    }

    [Fact]
    public void GuestSharedWrite_HypervisorPage_IsStoredInTheClear()
    {
        var map = _p.CreateGuest(7);
        map.Map(0x10_0000, 0x0300_0000); // a shared page (e.g. a GHCB or bounce buffer)
        var data = "plain shared bytes"u8.ToArray();

        Assert.True(_p.View(map).Write(0x10_0000, data, encrypted: false).Succeeded);

        var host = new byte[data.Length];
        _p.Host.Read(0x0300_0000, host);
        Assert.Equal(data, host);
    }

    [Fact]
    public void GuestPrivateAccess_Unmapped_TakesNestedPageFault()
    {
        var map = _p.CreateGuest(7);
        var result = _p.View(map).Read(0x5000, new byte[8]);
        Assert.Equal(new CpuAccessResult(CpuFault.NestedPageFault, RmpViolation.GpaNotMapped, 0x5000, SimTime.Zero), result);
    }

    [Fact]
    public void GuestPrivateAccess_2MRmpPageThrough4KMapping_FailsPageSizeCheck()
    {
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(0x0200_0000, RmpUpdateState.Guest(7, 0x4000_0000, RmpPageSize.Size2M)));
        map.Map(0x4000_0000, 0x0200_0000, RmpPageSize.Size2M);
        Assert.Equal(RmpStatus.Success, _p.View(map).Pvalidate(0x4000_0000, RmpPageSize.Size2M, true).Status);
        Assert.True(_p.View(map).Write(0x4000_5000, new byte[8]).Succeeded);

        var other = new GuestPhysicalMap(7);
        other.Map(0x4000_5000, 0x0200_5000); // same page, 4 KiB nested mapping
        var result = _p.View(other).Write(0x4000_5000, new byte[8]);
        Assert.Equal(RmpViolation.PageSizeMismatch, result.Violation);
    }

    [Fact]
    public void RmpCheck_EntryOnATablePageFirstReadUntouched_SeesTheEntryOnceWritten()
    {
        // 0x4000_0000 is 256 Ki pages up: its entry is on an RMP table page nothing has written yet (it reads as zeros).
        const ulong far = 0x4000_0000;
        using var p = new SnpPlatform(memorySize: 2UL << 30);
        var map = p.CreateGuest(7);
        Assert.Equal(RmpViolation.NotAssigned, p.Rmp.CheckGuestPrivate(far, 7, Gpa, 0, MemoryAccess.Read).Violation);

        p.AssignPage(map, Gpa, far);

        Assert.Equal(RmpViolation.None, p.Rmp.CheckGuestPrivate(far, 7, Gpa, 0, MemoryAccess.Read).Violation);
    }

    [Fact]
    public void RmpCheck_AlternatingTablePages_EachPageGetsItsOwnEntry()
    {
        // A one-entry cache misses on every change of page; the two entries sit on different RMP table pages (16-byte
        // entries, 256 per 4 KiB table page: pages 1 MiB apart).
        using var p = new SnpPlatform(rmpCacheEntries: 1);
        var seven = p.CreateGuest(7);
        var eight = p.CreateGuest(8);
        p.AssignPage(seven, Gpa, Page);
        p.AssignPage(eight, Gpa, Page + 0x10_0000);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(RmpViolation.None, p.Rmp.CheckGuestPrivate(Page, 7, Gpa, 0, MemoryAccess.Write).Violation);
            Assert.Equal(RmpViolation.AsidMismatch, p.Rmp.CheckGuestPrivate(Page + 0x10_0000, 7, Gpa, 0, MemoryAccess.Write).Violation);
            Assert.Equal(RmpViolation.None, p.Rmp.CheckGuestPrivate(Page + 0x10_0000, 8, Gpa, 0, MemoryAccess.Write).Violation);
        }
    }

    [Fact]
    public void RmpCheck_MissThenHit_CostsAnEntryReadOnlyOnTheMiss()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        var entryRead = _p.Timing.ReadCost(16);
        var hit = _p.Rmp.Configuration.CacheHitLatency;

        _p.Rmp.RmpUpdate(Page + 0x2000, RmpUpdateState.Guest(7, Gpa + 0x2000)); // invalidates that page's slot
        var misses = _p.Rmp.Counters.CacheMisses;
        var first = _p.Rmp.CheckGuestPrivate(Page + 0x2000, 7, Gpa + 0x2000, 0, MemoryAccess.Read);
        var second = _p.Rmp.CheckGuestPrivate(Page + 0x2000, 7, Gpa + 0x2000, 0, MemoryAccess.Read);

        // An assigned 4 KiB entry resolves with one 16-byte read.
        Assert.Equal(hit + entryRead, first.Latency);
        Assert.Equal(hit, second.Latency);
        Assert.Equal(misses + 1, _p.Rmp.Counters.CacheMisses);
        Assert.Equal(RmpViolation.NotValidated, second.Violation);
    }

    [Fact]
    public void RmpCheck_HypervisorPageNotAtA2MBoundary_MissReadsOwnAndHeadEntry()
    {
        var check = _p.Rmp.CheckHypervisorOwned(0x0300_5000);
        Assert.True(check.Allowed);
        Assert.Equal(_p.Rmp.Configuration.CacheHitLatency + _p.Timing.ReadCost(16) * 2, check.Latency);
    }

    [Fact]
    public void RmpCheck_AfterRmpUpdate_SeesTheNewState()
    {
        Assert.True(_p.Rmp.CheckHypervisorOwned(Page).Allowed); // cached as hypervisor-owned
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));
        Assert.False(_p.Rmp.CheckHypervisorOwned(Page).Allowed);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Page, RmpUpdateState.Hypervisor()));
        Assert.True(_p.Rmp.CheckHypervisorOwned(Page).Allowed);
    }

    [Fact]
    public void RmpCheck_2MHeadUpdate_InvalidatesCachedSubPages()
    {
        Assert.True(_p.Rmp.CheckHypervisorOwned(0x0200_7000).Allowed);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(0x0200_0000, RmpUpdateState.Guest(7, 0x4000_0000, RmpPageSize.Size2M)));
        Assert.False(_p.Rmp.CheckHypervisorOwned(0x0200_7000).Allowed);
    }

    [Fact]
    public void Coverage_PagesBeyondRmpEnd_AreHypervisorOwnedAndCannotBePrivate()
    {
        var memory = new PhysicalMemory(64UL << 20);
        var rmp = new RmpTable(memory, new MemoryTiming(), new RmpConfiguration { RmpBase = 32UL << 20, CoveredBytes = 16UL << 20 });

        var beyond = rmp.CheckHypervisorOwned(20UL << 20);
        Assert.True(beyond.Allowed);
        Assert.Equal(SimTime.Zero, beyond.Latency);
        Assert.Equal(RmpViolation.NotCovered, rmp.CheckGuestPrivate(20UL << 20, 7, 0, 0, MemoryAccess.Read).Violation);
        Assert.Equal(RmpStatus.FailInput, rmp.RmpUpdate(20UL << 20, RmpUpdateState.Guest(7, 0)));
        // The uncovered RMP table itself is still protected.
        Assert.Equal(RmpViolation.RmpTableAccess, rmp.CheckHypervisorOwned(32UL << 20).Violation);
    }

    private byte[] RawPage(ulong spa)
    {
        var b = new byte[4096];
        _p.Memory.Read(spa, b);
        return b;
    }
}
