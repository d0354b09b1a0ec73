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
        var good = new GuestMemoryLayout { RamBase = 0, RamSize = 0x100_0000, GhcbGpa = 0x100_0000, SharedBase = 0x100_1000, SharedSize = 0x1000 };
        good.Validate();
        Assert.Throws<ArgumentException>(() => (good with { GhcbGpa = 0x80_0000 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { GhcbGpa = 0 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { GhcbGpa = 0x100_0800 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { RamSize = 0x100_0800 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { SwiotlbBase = 0x100_1000, SwiotlbSize = 0x1000 }).Validate());
        Assert.Throws<ArgumentException>(() => (good with { SecretsGpa = 0x200_0000 }).Validate());
    }

    [Fact]
    public void Boot_SecretsPage_VmpckReadPrivately_CounterKeptInTheOsArea_PageNeverAllocated()
    {
        var secrets = GuestTestPlatform.RamGpa + GuestTestPlatform.RamSize - 4096;
        using var f = new GuestFixture(beforeBoot: p =>
        {
            // SNP_LAUNCH_UPDATE (secrets): the PSP fills the page under the guest's key.
            var page = new byte[4096];
            p.Vmpck.CopyTo(page, GuestSecrets.VmpckOffset);
            Assert.True(p.GuestView.Write(secrets, page).Succeeded);
            p.SecretsGpa = secrets;
        });
        Assert.NotEqual(f.Platform.Vmpck, f.Platform.HostRead(secrets + GuestSecrets.VmpckOffset, 32)); // host sees ciphertext

        Assert.Equal(Errno.None, f.Write(GuestFixture.Lock, "tsm0"));

        var counter = new byte[4];
        Assert.True(f.Platform.GuestView.Read(secrets + GuestSecrets.OsAreaOffset, counter).Succeeded);
        Assert.Equal(f.Kernel.Messages.SequenceCounter, BitConverter.ToUInt32(counter));
        Assert.Equal(2u, f.Kernel.Messages.SequenceCounter);
        var free = f.Kernel.Ram.FreePages;
        Assert.False(f.Kernel.Ram.TryAllocate(free + 1, out _));
        while (f.Kernel.Ram.TryAllocate(1, out var gpa))
        {
            Assert.NotEqual(secrets, gpa);
        }
    }

    [Fact]
    public void Boot_RamNotValidatedAtLaunch_KernelValidatesIt()
    {
        using var platform = new GuestTestPlatform(validateRam: false);
        Assert.False(platform.RmpEntryAt(GuestTestPlatform.RamGpa).Validated);
        using var kernel = platform.Boot(new GuestKernelOptions { SwiotlbSize = 1UL << 20 });

        Assert.True(platform.RmpEntryAt(GuestTestPlatform.RamGpa).Validated);
        Assert.True(platform.RmpEntryAt(GuestTestPlatform.RamGpa + GuestTestPlatform.RamSize - 4096).Validated);
        Assert.True(kernel.BootTime >= kernel.Timing.PvalidateCost * (long)(GuestTestPlatform.RamSize / 4096));
        platform.Psp.Dispose();
    }

    [Fact]
    public void Ghcb_IsRegisteredWithTheVcpu_AndIsAHypervisorOwnedPage()
    {
        using var f = new GuestFixture();
        Assert.Equal(GuestTestPlatform.SharedGpa, f.Platform.Vcpu.GhcbGpa);
        Assert.Equal(RmpOwner.Hypervisor, f.Platform.RmpEntryAt(f.Platform.Vcpu.GhcbGpa).Owner);
    }
}
