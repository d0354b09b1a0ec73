using System.Diagnostics;
using SevTio.Hw.Platform;

namespace SevTio.Hw.Tests.Device;

public sealed class DmaPerfProbe
{
    [Fact]
    public void Probe()
    {
        for (var i = 0; i < 3; i++)
        {
            ProbeOnce();
        }
    }

    private static void ProbeOnce()
    {
        var config = DmaRun.Config(functional: false, window: 64UL << 20);
        using var platform = new SevTioPlatform(config);
        var guest = PlatformBringUp.Run(platform);
        var driver = new DmaWorkloadDriver(guest, new DmaWorkload { TotalBytes = 256L << 20, WindowBytes = 64UL << 20 });
        var alloc = GC.GetTotalAllocatedBytes(true);
        var gcs = GC.CollectionCount(0);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        driver.Start();
        platform.Scheduler.RunWhile(() => !driver.Done);
        sw.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        Console.WriteLine($"cpu {cpuMs} ms host {sw.Elapsed.TotalMilliseconds} ms, sim {(platform.Scheduler.Now - driver.StartedAt)}, alloc {GC.GetTotalAllocatedBytes(true) - alloc} B, gc0 {GC.CollectionCount(0) - gcs}, done {driver.Done} jobs {driver.JobsCompleted} failed {driver.JobsFailed} events {platform.Scheduler.EventsExecuted} pending {platform.Scheduler.PendingCount} state {platform.Device.Dma.State} err {platform.Device.Dma.LastStatus}");
    }
}
