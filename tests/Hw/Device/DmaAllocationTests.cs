using SevTio.Hw.Device;
using SevTio.Hw.Platform;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>
/// The DMA data path allocates nothing per TLP or per transfer: once memory pages are touched and the pools and
/// batches exist, a whole further job runs without allocating (functional mode, real cryptography, on this thread).
/// </summary>
public sealed class DmaAllocationTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void SteadyStateJob_AllocatesNothing(bool packet, bool write)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet, functional: true, workers: 1, window: 1 << 20));
        var guest = HwOnlyBringUp.Run(platform);
        var direction = write ? DmaOpcode.Write : DmaOpcode.Read;
        void Job(int slot)
        {
            guest.WriteDescriptor(slot, new DmaDescriptor(direction, 0, 0, 256, 4096, 0, guest.WindowGpa, 1 << 20, 0, guest.CompletionGpa + ((ulong)slot * 16), (ulong)slot));
            guest.WriteRegister(0x24, (uint)(slot + 1));
            platform.Scheduler.RunUntilIdle();
            platform.Drain();
        }

        Job(0);
        Job(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Job(2);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(DmaStatus.Success, guest.ReadCompletion(2).Status);
        Assert.Equal(768, platform.DmaStatistics.TransfersWritten + platform.DmaStatistics.TransfersRead);

        // 256 transfers and several thousand TLPs, the driver's descriptor and MMIO writes included.
        Assert.True(allocated == 0, $"{allocated} bytes allocated in a steady-state job");
    }
}
