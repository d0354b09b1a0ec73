using SevTio.Hw.Device;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>CTRL.RST (and Function Level Reset) stops the engine mid-job; answers still in flight are ignored; the next job runs normally.</summary>
public sealed class DmaEngineResetTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void ResetMidJob_StopsIt_NextJobCompletes(bool packet, bool write)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet, functional: true));
        var guest = HwOnlyBringUp.Run(platform);
        var direction = write ? DmaOpcode.Write : DmaOpcode.Read;
        guest.WriteDescriptor(0, new DmaDescriptor(direction, 0, 0, 256, 4096, 0, guest.WindowGpa, 1 << 20, 0, guest.CompletionGpa, 1));
        guest.WriteRegister(0x24, 1);
        var scheduler = platform.Scheduler;
        scheduler.RunUntil(scheduler.Now + SimTime.FromMicroseconds(3));
        Assert.Equal(DmaEngineState.DataTransfer, platform.Device.Dma.State);

        guest.WriteRegister(0x08, 0b11); // EN | RST
        scheduler.RunUntilIdle();
        platform.Drain();
        var moved = platform.DmaStatistics.TransfersWritten + platform.DmaStatistics.TransfersRead;
        Assert.InRange(moved, 1, 255);
        Assert.Equal(DmaEngineState.Idle, platform.Device.Dma.State);
        Assert.Equal(0, platform.Device.Dma.Head);

        // A fresh job from slot 0 runs to completion, its data intact.
        var data = new byte[64 << 10];
        new Random(4).NextBytes(data);
        if (write)
        {
            data.CopyTo(platform.Device.Memory.Span[(1 << 20)..]);
        }
        else
        {
            guest.Write(guest.WindowGpa + (2 << 20), data);
        }

        guest.WriteDescriptor(0, new DmaDescriptor(direction, 0, 0, 16, 4096, 0, guest.WindowGpa + (2 << 20), 64 << 10, 1 << 20, guest.CompletionGpa, 2));
        guest.WriteRegister(0x24, 1);
        scheduler.RunUntilIdle();
        platform.Drain();

        var record = guest.ReadCompletion(0);
        Assert.Equal(DmaStatus.Success, record.Status);
        Assert.Equal(2UL, record.Cookie);
        var seen = new byte[64 << 10];
        if (write)
        {
            guest.Read(guest.WindowGpa + (2 << 20), seen);
        }
        else
        {
            platform.Device.Memory.Span.Slice(1 << 20, 64 << 10).CopyTo(seen);
        }

        Assert.Equal(data, seen);
    }
}
