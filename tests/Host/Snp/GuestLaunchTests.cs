using SevTio.Host.Snp;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Ghcb;

namespace SevTio.Host.Tests.Snp;

/// <summary>
/// SNP guest launch by the hypervisor: RAM private to the guest's ASID at its GPAs, the secrets page filled and
/// validated by the PSP, the GHCB and the SWIOTLB pool in shared (hypervisor-owned) pages, the vCPU wired to the host.
/// </summary>
public sealed class GuestLaunchTests
{
    [Fact]
    public void Launch_RamPrivateSharedWindowHypervisorOwned()
    {
        using var bench = new HostBench();
        var guest = bench.Guest;
        var rmp = bench.Platform.Rmp;

        Assert.True(guest.Map.TryTranslate(0x3000, out var ram, out _));
        var entry = rmp.ReadEntry(ram);
        Assert.True(entry.Assigned && entry.Asid == guest.Asid && entry.Gpa == 0x3000 && !entry.Validated);

        Assert.True(guest.Map.TryTranslate(guest.SecretsGpa, out var secrets, out _));
        Assert.True(rmp.ReadEntry(secrets).Validated);

        foreach (var gpa in new[] { guest.GhcbGpa, guest.SwiotlbGpa, guest.SwiotlbGpa + guest.SwiotlbBytes - 4096, guest.SharedBufferGpa })
        {
            Assert.True(guest.Map.TryTranslate(gpa, out var spa, out _));
            Assert.Equal(RmpOwner.Hypervisor, rmp.ReadEntry(spa).Owner);
        }

        Assert.Same(bench.Hypervisor, guest.Vcpu.Hypervisor);
        Assert.Equal(guest.GhcbGpa, guest.Vcpu.GhcbGpa);
        Assert.NotEqual(0ul, guest.Vcpu.HypervisorFeatures & (ulong)GhcbHypervisorFeatures.SnpSevTio);
    }

    [Fact]
    public void Launch_PrivateWritesAreCiphertextToTheHost()
    {
        using var bench = new HostBench();
        var guest = bench.Guest;
        Assert.True(guest.Memory.Pvalidate(0x5000, RmpPageSize.Size4K, validate: true).Completed);
        var secret = "guest secret: 0123456789abcdef"u8.ToArray();

        Assert.True(guest.Memory.Write(0x5000, secret).Succeeded);

        Assert.NotEqual(secret, bench.Hypervisor.ReadGuest(guest, 0x5000, secret.Length));
        var back = new byte[secret.Length];
        Assert.True(guest.Memory.Read(0x5000, back).Succeeded);
        Assert.Equal(secret, back);
        Assert.False(bench.Hypervisor.WriteGuest(guest, 0x5000, secret));
    }

    [Fact]
    public void Launch_Prevalidated_EveryRamPageValidatedAndZero()
    {
        using var bench = new HostBench(guest: new SnpGuestConfiguration { MemoryBytes = 2UL << 20, PrevalidateMemory = true, SwiotlbBytes = 2UL << 20 });

        var page = new byte[4096];
        Assert.True(bench.Guest.Memory.Read(0x1F_E000, page).Succeeded);
        Assert.DoesNotContain(page, b => b != 0);
    }

    [Theory]
    [InlineData(512UL << 20, 64UL << 20)]
    [InlineData(16UL << 30, (16UL << 30) * 6 / 100)]
    [InlineData(32UL << 30, 1UL << 30)]
    public void DefaultSwiotlb_SixPercentOfRamClampedTo64MiBAnd1GiB(ulong ram, ulong expected)
    {
        Assert.Equal(expected, SnpGuestConfiguration.DefaultSwiotlbBytes(ram));
    }

    [Fact]
    public void Launch_DefaultSwiotlb_64MiBForASmallGuest()
    {
        using var bench = new HostBench(guest: new SnpGuestConfiguration { MemoryBytes = 2UL << 20 });

        Assert.Equal(64UL << 20, bench.Guest.SwiotlbBytes);
        Assert.True(bench.Guest.Map.TryTranslate(bench.Guest.SwiotlbGpa + (63UL << 20), out _, out _));
    }
}
