using SevTio.Guest.Dma;
using SevTio.Guest.Tsm;
using SevTio.Host.Misbehaviour;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Tdisp;
using SevTio.TestSupport;

namespace SevTio.Guest.Tests.EndToEnd;

/// <summary>
/// The guest kernel against the real hypervisor and PSP firmware over the composed TEE-IO device: every step a real
/// message (GHCB exits relayed by the host, guest messages opened by the PSP, TDISP over SPDM to the device).
/// </summary>
public sealed class RealHostTrustFlowTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void PhaseTimes_AgainstTheRealPlatform_AreTheGuestsViewOfBindRunAndUnbind()
    {
        using var bench = new RealHostBench();
        var exits = bench.Guest.Vcpu.Exits;
        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        var tdi = bench.Device.Tsm!;
        var lockExits = bench.Guest.Vcpu.Exits - exits;
        Assert.Equal(Errno.None, bench.Write("accept", "1"));
        var acceptExits = bench.Guest.Vcpu.Exits - exits - lockExits;
        Assert.Equal(Errno.None, bench.Write("unlock", "tsm0"));
        var unlockExits = bench.Guest.Vcpu.Exits - exits - lockExits - acceptExits;

        output.WriteLine($"lock {tdi.PhaseTimes.Lock}, report {tdi.PhaseTimes.Report} ({lockExits} exits); accept {tdi.PhaseTimes.Accept} ({acceptExits} exits); unlock {tdi.PhaseTimes.Unlock} ({unlockExits} exits)");
        output.WriteLine($"guest message crypto {bench.Kernel.Accounting.MessageCryptoTime}, digests {bench.Kernel.Accounting.DigestTime}");

        // BIND (TDISP LOCK + report over SPDM) happens inside lock, START inside accept: each is many DOE exchanges.
        Assert.True(tdi.PhaseTimes.Lock > tdi.PhaseTimes.Report);
        Assert.Equal(2, lockExits);   // BIND, TDI_INFO
        Assert.Equal(5, acceptExits); // RUN, TDI_INFO, SDTE_WRITE, MMIO_VALIDATE of BAR0 and of BAR4
        Assert.Equal(5, unlockExits); // STOP, SDTE_WRITE (clear), MMIO invalidate × 2, UNBIND
    }

    [Fact]
    public void LockAcceptUnlock_Relock_AgainstTheRealHostAndPsp()
    {
        using var bench = new RealHostBench();
        Assert.Equal("\n", bench.Read("lock"));
        Assert.Equal("devsec\n", bench.Kernel.Sysfs.Read("/sys/class/tsm/tsm0/pci_mode"));

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.Equal("CONFIG_LOCKED\n", bench.Read("tdisp_state"));
        Assert.Equal("verified\n", bench.Read("evidence"));
        Assert.Equal(TdiState.ConfigLocked, bench.Platform.Device.Tdi.State);

        Assert.Equal(Errno.None, bench.Write("accept", "1"));
        Assert.Equal("1\n", bench.Read("accept"));
        Assert.Equal("RUN\n", bench.Read("tdisp_state"));
        Assert.Equal(TdiState.Run, bench.Platform.Device.Tdi.State);
        var sdte = bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf);
        Assert.True(sdte.Valid && sdte.Read && sdte.Write && sdte.VTomEnable);
        Assert.Equal(bench.Guest.Asid, sdte.Asid);

        // TEE BARs 0 and 4 validated and mapped encrypted; the non-TEE doorbell BAR 2 stays shared.
        var tdi = bench.Device.Tsm!;
        Assert.Equal([0, 4], tdi.ValidatedRanges.Select(r => r.Bar).Distinct().Order());
        foreach (var range in tdi.ValidatedRanges)
        {
            for (ulong page = 0; page < range.Size; page += 4096)
            {
                Assert.True(bench.Platform.Rmp.ReadEntry(range.Gpa + page).Validated);
            }
        }

        Assert.Equal(Errno.None, bench.Device.IoRemap(0, 0, 0x1000, out var registers));
        Assert.True(registers.Encrypted);
        Assert.Equal(Errno.None, bench.Device.IoRemap(2, 0, 0x1000, out var doorbell));
        Assert.False(doorbell.Encrypted);

        Assert.Equal(Errno.None, bench.Write("unlock", "tsm0"));
        Assert.Equal("0\n", bench.Read("accept"));
        Assert.Equal(TdiState.ConfigUnlocked, bench.Platform.Device.Tdi.State);
        Assert.False(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0).Owner);

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.Equal(Errno.None, bench.Write("accept", "1"));
        Assert.Equal(TdiState.Run, bench.Platform.Device.Tdi.State);
        Assert.Equal(Errno.None, bench.Write("unlock", "1"));
    }

    [Fact]
    public void Accept_HostAltersTheReportBlob_DigestCheckRefuses()
    {
        using var bench = new RealHostBench(new HostMisbehaviour
        {
            AlterReportBlob = report =>
            {
                var altered = (byte[])report.Clone();
                altered[^1] ^= 0x20; // a byte of the device-specific info: still a well-formed report
                return altered;
            },
        });

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.StartsWith("failed: report mismatch", bench.Read("evidence"), StringComparison.Ordinal);
        Assert.Equal(Errno.EBADMSG, bench.Write("accept", "1"));
        Assert.Equal(TdiState.ConfigLocked, bench.Platform.Device.Tdi.State);
        Assert.False(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        Assert.Equal(Errno.None, bench.Write("unlock", "tsm0"));
    }

    [Fact]
    public void Accept_DeviceMeasurementsNotTheExpectedOnes_PolicyRefuses()
    {
        var policy = new ExpectedMeasurementsPolicy([DeviceEvidence.Digest(new byte[] { 1, 2, 3 })]);
        using var bench = new RealHostBench(options: new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } });

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.Equal("verified\n", bench.Read("evidence"));
        Assert.Equal(Errno.EACCES, bench.Write("accept", "1"));
        Assert.Equal(TdiState.ConfigLocked, bench.Platform.Device.Tdi.State);
    }

    [Fact]
    public void Accept_ExpectedMeasurementsPinned_PolicyPasses()
    {
        using var probe = new RealHostBench();
        Assert.Equal(Errno.None, probe.Write("lock", "tsm0"));
        var policy = ExpectedMeasurementsPolicy.FromEvidence(probe.Device.Tsm!.Evidence!, pinCertificates: true);
        using var bench = new RealHostBench(options: new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } });

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.Equal(Errno.None, bench.Write("accept", "1"));
        Assert.Equal("pass\n", bench.Read("policy"));

        // The blob is a signed MEASUREMENTS response whose nonce and signature change per request; the record does not.
        Assert.NotNull(bench.Device.Tsm!.Evidence!.MeasurementBlocks);
    }

    [Fact]
    public void GuestRequest_HostReplaysAnOldRequest_PspRefuses_GuestFailsClosed()
    {
        var misbehaviour = new HostMisbehaviour();
        using var bench = new RealHostBench(misbehaviour);
        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        misbehaviour.ReplayPreviousGuestRequest = true;

        Assert.Equal(Errno.EIO, bench.Write("accept", "1"));

        Assert.True(bench.Kernel.Messages.IsDisabled);
        Assert.Equal(TioDeviceState.Error, bench.Device.Tsm!.State);
        misbehaviour.ReplayPreviousGuestRequest = false;
        Assert.Equal(Errno.None, bench.Write("unlock", "tsm0"));
        Assert.Equal(TdiState.ConfigUnlocked, bench.Platform.Device.Tdi.State);
    }

    [Fact]
    public void Dma_BounceBeforeAccept_DirectAfter()
    {
        using var bench = new RealHostBench();
        Assert.True(bench.Kernel.Ram.TryAllocate(1, out var buffer));
        Assert.Equal(Errno.None, bench.Kernel.Dma.MapSingle(bench.Device, buffer, 4096, DmaDirection.ToDevice, out var bounced));
        Assert.True(bounced.Bounced);
        Assert.True(bench.Kernel.Dma.Swiotlb.Contains(bounced.DmaAddress));
        Assert.Equal(Errno.None, bench.Kernel.Dma.UnmapSingle(bench.Device, bounced));
        Assert.Equal(Errno.None, bench.Kernel.Dma.AllocCoherent(bench.Device, 4096, out var ring)); // PSC through the real host
        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(Translate(bench, ring.CpuAddress)).Owner);
        Assert.Equal(Errno.None, bench.Kernel.Dma.FreeCoherent(ring));

        Assert.Equal(Errno.None, bench.Write("lock", "tsm0"));
        Assert.Equal(Errno.None, bench.Write("accept", "1"));
        Assert.Equal(Errno.None, bench.Kernel.Dma.MapSingle(bench.Device, buffer, 4096, DmaDirection.ToDevice, out var direct));
        Assert.False(direct.Bounced);
        Assert.Equal(buffer, direct.DmaAddress);
    }

    private static ulong Translate(RealHostBench bench, ulong gpa)
    {
        Assert.True(bench.Guest.Map.TryTranslate(gpa, out var spa, out _));
        return spa;
    }
}
