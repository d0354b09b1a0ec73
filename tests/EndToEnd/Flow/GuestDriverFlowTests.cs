using SevTio.Cli.Platform;
using SevTio.Guest;
using SevTio.Guest.Dma;
using SevTio.Guest.Drivers;
using SevTio.Guest.Tsm;
using SevTio.Host.Misbehaviour;
using SevTio.Hw.Iommu;
using SevTio.Protocols.Tdisp;

namespace SevTio.EndToEnd.Tests.Flow;

/// <summary>
/// The guest's driver on the real platform: DMA of random data the guest checks, before and after accept, the
/// acceptance checks (report digest, measurement policy), the kernel's EBUSY rule, and what the IOMMU does with DMA
/// from a device the guest has not accepted.
/// </summary>
public sealed class GuestDriverFlowTests
{
    private const string DriverBind = "/sys/bus/pci/drivers/" + ModelDmaDriver.DriverName + "/bind";
    private const string DriverUnbind = "/sys/bus/pci/drivers/" + ModelDmaDriver.DriverName + "/unbind";

    [Fact]
    public void LockAccept_DmaOfRandomData_CheckedInTheGuest_ThenUnlockAndRelock()
    {
        using var p = FlowBench.Create();
        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.Equal("CONFIG_LOCKED\n", p.ReadTsm("tdisp_state"));
        Assert.Equal(Errno.None, p.WriteTsm("accept", "1"));
        Assert.Equal("RUN\n", p.ReadTsm("tdisp_state"));

        var driver = Bind(p);
        Assert.True(driver.RegistersEncrypted); // the register BAR is a validated TEE range: T=1 MMIO
        var pattern = Prime(p, driver);

        Run(p, driver, new ModelDmaWorkload { TransferSize = 4096, TotalBytes = 2 << 20, WindowBytes = 2 << 20 });
        Assert.Equal(ModelDmaPath.Direct, driver.Path);
        Assert.Equal(0, driver.CheckWindow(pattern, out var checkedBytes));
        Assert.Equal(2 << 20, checkedBytes);
        Assert.Equal(0, p.Kernel.Accounting.BouncedBytes);

        // Private memory: what the host reads of the window is ciphertext.
        var raw = p.Hypervisor.ReadGuest(p.Guest, driver.WindowGpa, 4096);
        Assert.False(raw.AsSpan().SequenceEqual(pattern.AsSpan(0, 4096)));

        Assert.Equal(Errno.EBUSY, p.WriteTsm("unlock", "tsm0")); // a bound driver pins the TSM state
        driver.Release();
        Assert.Equal(Errno.None, p.Kernel.Sysfs.Write(DriverUnbind, TioPlatform.GuestBdf));
        Assert.Equal(Errno.None, p.WriteTsm("unlock", "tsm0"));
        Assert.Equal("0\n", p.ReadTsm("accept"));
        Assert.Equal(TdiState.ConfigUnlocked, p.Tdi.State);

        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.Equal("CONFIG_LOCKED\n", p.ReadTsm("tdisp_state"));
        Assert.Equal(Errno.None, p.WriteTsm("accept", "1"));
        Assert.Equal("RUN\n", p.ReadTsm("tdisp_state"));
    }

    [Fact]
    public void Lock_WhileTheDriverIsBound_Ebusy()
    {
        using var p = FlowBench.Create();
        Bind(p);

        Assert.Equal(Errno.EBUSY, p.WriteTsm("lock", "tsm0"));
        Assert.Equal(TdiState.ConfigUnlocked, p.Tdi.State);

        Assert.Equal(Errno.None, p.Kernel.Sysfs.Write(DriverUnbind, TioPlatform.GuestBdf));
        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
    }

    [Fact]
    public void Accept_ReportAlteredByTheHypervisor_DigestCheckCatchesIt()
    {
        var misbehaviour = new HostMisbehaviour
        {
            AlterReportBlob = report =>
            {
                var altered = (byte[])report.Clone();
                altered[^1] ^= 0x01; // the device-specific info: still a well-formed report
                return altered;
            },
        };
        using var p = FlowBench.Create(misbehaviour);

        Assert.Equal(Errno.None, p.WriteTsm("lock", "tsm0"));
        Assert.StartsWith("failed: report mismatch", p.ReadTsm("evidence"), StringComparison.Ordinal);
        Assert.Equal(Errno.EBADMSG, p.WriteTsm("accept", "1"));
        Assert.Equal(TdiState.ConfigLocked, p.Tdi.State);
        Assert.False(p.Iommu.ReadSecureDeviceTableEntry(TioPlatform.DeviceBdf).Valid);
    }

    [Fact]
    public void Accept_DeviceWhoseMeasurementsChanged_FailsThePolicy()
    {
        ExpectedMeasurementsPolicy policy;
        using (var probe = FlowBench.Create())
        {
            Assert.Equal(Errno.None, probe.WriteTsm("lock", "tsm0"));
            policy = ExpectedMeasurementsPolicy.FromEvidence(probe.GuestDevice.Tsm!.Evidence!);
        }

        var kernel = new GuestKernelOptions { Tsm = new SevGuestTsmOptions { Policy = policy } };
        using (var same = FlowBench.Create(kernel: kernel))
        {
            Assert.Equal(Errno.None, same.WriteTsm("lock", "tsm0"));
            Assert.Equal(Errno.None, same.WriteTsm("accept", "1")); // the pinned device passes
        }

        // A firmware update before the host connects: the device reports (and signs) its new measurements.
        using var changed = FlowBench.Create(kernel: kernel, connect: false);
        changed.Measurements.Update("firmware", "SevTio device firmware v1.0.1"u8.ToArray());
        changed.ConnectDevice();
        Assert.Equal(Errno.None, changed.WriteTsm("lock", "tsm0"));
        Assert.Equal("verified\n", changed.ReadTsm("evidence")); // genuinely signed, just not what the guest expects
        Assert.Equal(Errno.EACCES, changed.WriteTsm("accept", "1"));
        Assert.Equal(TdiState.ConfigLocked, changed.Tdi.State);
    }

    [Fact]
    public void UnacceptedDevice_DmaIntoPrivateMemory_IommuRefusesAndLogs_WhileTheBouncePathWorks()
    {
        using var p = FlowBench.Create();
        var kernel = p.Kernel;
        var device = p.GuestDevice;

        // A private page the guest cares about.
        Assert.True(kernel.Ram.TryAllocate(1, out var secret));
        var secretBytes = new byte[4096];
        new Random(3).NextBytes(secretBytes);
        Assert.True(kernel.Vcpu.Memory.Write(secret, secretBytes, encrypted: true).Succeeded);

        // Program the engine by hand to write a page at the private GPA (what a device outside the TCB may try).
        Assert.Equal(Errno.None, device.IoRemap(ModelDmaRegisters.Bar, 0, ModelDmaRegisters.BarBytes, out var regs));
        Assert.False(regs.Encrypted);
        Assert.Equal(Errno.None, kernel.Dma.AllocCoherent(device, 4096, out var ring));
        Assert.Equal(Errno.None, kernel.Dma.AllocCoherent(device, 4096, out var completion));
        regs.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlReset);
        regs.Write32(ModelDmaRegisters.RingSize, 2);
        regs.Write32(ModelDmaRegisters.RingBaseLow, (uint)ring.DmaAddress);
        regs.Write32(ModelDmaRegisters.RingBaseHigh, (uint)(ring.DmaAddress >> 32));
        regs.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlEnable);
        var descriptor = new byte[ModelDmaDescriptor.Bytes];
        new ModelDmaDescriptor(ModelDmaDescriptor.OpcodeWrite, 0, 1, 4096, 1, secret, 4096, 0, completion.DmaAddress, 7, 0).Write(descriptor);
        Assert.Equal(Errno.None, kernel.Dma.Write(ring, 0, descriptor));
        var faultsBefore = p.Iommu.Counters.RmpPageFaults;
        regs.Write32(ModelDmaRegisters.RingTail, 1);
        p.Scheduler.RunWhile(() => regs.Read32(ModelDmaRegisters.RingHead) != 1);

        Assert.True(p.Iommu.Counters.RmpPageFaults > faultsBefore);
        var events = p.Iommu.EventLog.Drain();
        Assert.Contains(events, e => e.Code == IommuEventCode.RmpPageFault && e.DeviceId == TioPlatform.DeviceBdf);
        var after = new byte[4096];
        Assert.True(kernel.Vcpu.Memory.Read(secret, after, encrypted: true).Succeeded);
        Assert.Equal(secretBytes, after);
        regs.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlReset);

        // The same device through the DMA API: every job bounces through SWIOTLB and the data arrives intact.
        var driver = Bind(p);
        var pattern = Prime(p, driver);
        Run(p, driver, new ModelDmaWorkload { TransferSize = 4096, TotalBytes = 1 << 20, WindowBytes = 1 << 20 });
        Assert.Equal(ModelDmaPath.Bounce, driver.Path);
        Assert.Equal(0, driver.CheckWindow(pattern, out var checkedBytes));
        Assert.Equal(1 << 20, checkedBytes);
        Assert.True(kernel.Accounting.BouncedBytes >= 2 << 20); // copied in at map (Linux copies even FROM_DEVICE) and out at unmap
    }

    private static ModelDmaDriver Bind(TioPlatform p)
    {
        var driver = new ModelDmaDriver(p.Kernel);
        p.Kernel.RegisterDriver(driver);
        p.GuestInterrupt += driver.OnInterrupt;
        Assert.Equal(Errno.None, p.Kernel.Sysfs.Write(DriverBind, TioPlatform.GuestBdf));
        Assert.Same(driver, p.GuestDevice.Driver);
        return driver;
    }

    /// <summary>The guest gives the device random data (a DMA read of the device memory's size) and keeps it.</summary>
    private static byte[] Prime(TioPlatform p, ModelDmaDriver driver)
    {
        var pattern = new byte[driver.DeviceMemoryBytes];
        new Random(42).NextBytes(pattern);
        Assert.Equal(Errno.None, driver.Prepare(new ModelDmaWorkload
        {
            DeviceWrites = false,
            TransferSize = 64 << 10,
            TotalBytes = pattern.Length,
            WindowBytes = (ulong)pattern.Length,
            JobBytes = pattern.Length,
        }));
        Assert.Equal(Errno.None, driver.WriteWindow(0, pattern));
        driver.Start();
        Assert.True(driver.RunToCompletion());
        Assert.Equal(0, driver.JobsFailed);
        driver.Release();
        return pattern;
    }

    private static void Run(TioPlatform p, ModelDmaDriver driver, ModelDmaWorkload workload)
    {
        Assert.Equal(Errno.None, driver.Prepare(workload));
        driver.Start();
        Assert.True(driver.RunToCompletion());
        p.Hw.Drain();
        Assert.Equal(driver.TotalJobs, driver.JobsCompleted);
        Assert.Equal(0, driver.RecordMismatches);
    }
}
