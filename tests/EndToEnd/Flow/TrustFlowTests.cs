using SevTio.Cli.Platform;
using SevTio.Guest;
using SevTio.Hw.Cpu.Mmio;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Tdisp;

namespace SevTio.EndToEnd.Tests.Flow;

/// <summary>The trust flow on the real platform composition (device, DSM, PSP, hypervisor, guest kernel), driven through the guest's sysfs.</summary>
public sealed class TrustFlowTests
{
    [Fact]
    public void LockAcceptUnlockRelock_EveryStateVisibleInSysfs()
    {
        using var p = FlowBench.Create();
        Assert.True(p.DeviceLink.IsConnected);
        Assert.Equal("\n", p.ReadTsm("lock"));

        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.Equal("CONFIG_LOCKED\n", p.ReadTsm("tdisp_state"));
        Assert.Equal("verified\n", p.ReadTsm("evidence"));
        Assert.Equal(TdiState.ConfigLocked, p.Tdi.State);
        Assert.Equal(Hw.Device.TdiSecurityState.ConfigLocked, p.Device.Gate.State);

        Assert.Equal(Errno.None, p.WriteTsm("accept", "1"));
        Assert.Equal("1\n", p.ReadTsm("accept"));
        Assert.Equal("RUN\n", p.ReadTsm("tdisp_state"));
        Assert.Equal(Hw.Device.TdiSecurityState.Run, p.Device.Gate.State);
        var sdte = p.Iommu.ReadSecureDeviceTableEntry(TioPlatform.DeviceBdf);
        Assert.True(sdte.Valid && sdte.VTomEnable);
        Assert.Equal(p.Guest.Asid, sdte.Asid);

        // The register BAR is a validated TEE range, mapped encrypted; the MSI-X BAR stays shared.
        Assert.True(p.Rmp.ReadEntry(TioPlatform.RegisterBarAddress).Validated);
        Assert.Equal(Errno.None, p.GuestDevice.IoRemap(0, 0, 0x1000, out var registers));
        Assert.True(registers.Encrypted);
        Assert.Equal(0x414D4453u, registers.Read32(0)); // "SDMA", read with T=1 on the stream
        Assert.Equal(Errno.None, p.GuestDevice.IoRemap(2, 0, 0x1000, out var msix));
        Assert.False(msix.Encrypted);

        Assert.Equal(Errno.None, p.WriteTsm("unlock", "tsm0"));
        Assert.Equal("0\n", p.ReadTsm("accept"));
        Assert.Equal(TdiState.ConfigUnlocked, p.Tdi.State);
        Assert.False(p.Iommu.ReadSecureDeviceTableEntry(TioPlatform.DeviceBdf).Valid);
        Assert.Equal(RmpOwner.Hypervisor, p.Rmp.ReadEntry(TioPlatform.RegisterBarAddress).Owner);

        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.Equal(Errno.None, p.WriteTsm("accept", "1"));
        Assert.Equal(TdiState.Run, p.Tdi.State);
        Assert.Equal(Errno.None, p.WriteTsm("unlock", "tsm0"));
    }

    [Fact]
    public void GuestMmio_RmpAndTdiDecide_ByTrustFlowStage()
    {
        using var p = FlowBench.Create();
        var id = TioPlatform.RegisterBarAddress; // GPA = host address (no MMIO offset)

        // Unlocked: the BAR page is the hypervisor's; shared (C=0) MMIO reaches the device with T=0, private does not.
        Assert.Equal(MmioAccessStatus.Completed, p.Mmio.Read(id, 4, encrypted: false, out var value));
        Assert.Equal(0x414D4453ul, value);
        Assert.Equal(MmioAccessStatus.RmpViolation, p.Mmio.Read(id, 4, encrypted: true, out value));
        Assert.Equal(0xFFFF_FFFFul, value);

        // Locked: the host made the TEE range guest-owned but nothing validated it; the TDI refuses T=0 to it anyway.
        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.Equal(MmioAccessStatus.RmpViolation, p.Mmio.Read(id, 4, encrypted: true, out _));
        Assert.Equal(MmioAccessStatus.RmpViolation, p.Mmio.Read(id, 4, encrypted: false, out _));

        // Accepted: MMIO_VALIDATE set Validated; private MMIO goes with T=1 on the stream; shared MMIO to it is refused.
        Assert.Equal(Errno.None, p.WriteTsm("accept", "1"));
        Assert.Equal(MmioAccessStatus.Completed, p.Mmio.Read(id, 4, encrypted: true, out value));
        Assert.Equal(0x414D4453ul, value);
        Assert.Equal(MmioAccessStatus.RmpViolation, p.Mmio.Read(id, 4, encrypted: false, out _));

        // The MSI-X BAR is non-TEE: shared, T=0, served in RUN too.
        Assert.Equal(MmioAccessStatus.Completed, p.Mmio.Read(TioPlatform.MsixBarAddress + 8, 4, encrypted: false, out value));
        Assert.Equal((ulong)TioPlatform.MsiData, value);
        Assert.Equal(MmioAccessStatus.BadAccess, p.Mmio.Read(id + 2, 4, encrypted: true, out _));
    }
}
