using SevTio.Guest.Memory;
using SevTio.Guest.Tests.Fakes;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Tests;

/// <summary>Page-state changes through the GHCB, the page allocator, and the launch layout checks.</summary>
public sealed class GhcbAndMemoryTests
{
    [Fact]
    public void MakeShared_ManyPages_BatchesOf253_ReissuedUntilTheHostIsDone()
    {
        using var f = new GuestFixture();
        f.Hypervisor.PscEntriesPerExit = 100;
        Assert.True(f.Kernel.Ram.TryAllocate(300, out var gpa));
        var before = f.Hypervisor.ExitCounts.GetValueOrDefault(VmgExitCode.PageStateChange);

        Assert.Equal(Errno.None, f.Kernel.PageStates.MakeShared(gpa, 300));

        // 253 entries in three exits (100 + 100 + 53), then 47 in one.
        Assert.Equal(before + 4, f.Hypervisor.ExitCounts[VmgExitCode.PageStateChange]);
        for (ulong i = 0; i < 300; i++)
        {
            Assert.False(f.Platform.RmpEntryAt(gpa + (i << 12)).Assigned);
        }

        Assert.Equal(Errno.None, f.Kernel.PageStates.MakePrivate(gpa, 300));
        Assert.All(Enumerable.Range(0, 300), i => Assert.True(f.Platform.RmpEntryAt(gpa + ((ulong)i << 12)).Validated));
    }

    [Fact]
    public void MakeShared_SharedPagesCannotBeReadPrivately_ButTheHostCanWriteThem()
    {
        using var f = new GuestFixture();
        Assert.True(f.Kernel.Ram.TryAllocate(1, out var gpa));
        Assert.Equal(Errno.None, f.Kernel.PageStates.MakeShared(gpa, 1));

        Assert.False(f.Platform.GuestView.Read(gpa, new byte[8], encrypted: true).Succeeded);
        Assert.True(f.Platform.HostWrite(gpa, [1, 2, 3]));
        var seen = new byte[3];
        Assert.True(f.Platform.GuestView.Read(gpa, seen, encrypted: false).Succeeded);
        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public void MakeShared_HostFails_Eio_ValidationRestored()
    {
        using var f = new GuestFixture();
        Assert.True(f.Kernel.Ram.TryAllocate(2, out var gpa));
        f.Platform.Rmp.MarkInUse(f.Platform.Translate(gpa + 4096)); // the host's RMPUPDATE of page 2 fails FAIL_INUSE

        Assert.Equal(Errno.EIO, f.Kernel.PageStates.MakeShared(gpa, 2));

        Assert.True(f.Platform.RmpEntryAt(gpa + 4096).Validated);
        Assert.True(f.Platform.GuestView.Read(gpa + 4096, new byte[8]).Succeeded);
    }

    [Fact]
    public void PageAllocator_AlignedFirstFit_FreeAndReuse_DoubleFreeThrows()
    {
        var pages = new GuestPageAllocator(0x10_0000, 64 * 4096);
        Assert.True(pages.TryAllocate(3, out var a));
        Assert.True(pages.TryAllocate(8, out var b, alignPages: 8));
        Assert.Equal(0x10_0000UL, a);
        Assert.Equal(0x10_8000UL, b);
        Assert.False(pages.TryAllocate(64, out _));
        pages.Free(a, 3);
        Assert.True(pages.TryAllocate(3, out var c));
        Assert.Equal(64 - 11, pages.FreePages);
        Assert.Equal(0x11_0000UL, c); // next fit: the search resumes after b, not in the hole a left
        pages.Free(b, 8);
        Assert.Throws<InvalidOperationException>(() => pages.Free(b, 8));
        Assert.Throws<ArgumentException>(() => pages.Free(0x20_0000, 1));
    }

    [Fact]
    public void Layout_Overlapping_Unaligned_OrGhcbAtZero_Rejected()
    {
        var good = new GuestMemoryLayout { RamBase = 0x100_0000, RamSize = 0x100_0000, SharedBase = 0x400_0000, SharedSize = 0x1000 };
        good.Validate();
        Assert.Throws<ArgumentException>(() => (good with { SharedBase = 0x180_0000 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { RamSize = 0x100_0800 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { SharedBase = 0, RamBase = 0x10_0000 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { SwiotlbBase = 0x400_0000, SwiotlbSize = 0x1000 }).Validate());
    }

    [Fact]
    public void Ghcb_IsRegisteredWithTheVcpu_AndIsAHypervisorOwnedPage()
    {
        using var f = new GuestFixture();
        Assert.Equal(GuestTestPlatform.SharedGpa, f.Platform.Vcpu.GhcbGpa);
        Assert.Equal(RmpOwner.Hypervisor, f.Platform.RmpEntryAt(f.Platform.Vcpu.GhcbGpa).Owner);
    }
}
