using SevTio.Hw.Device;
using SevTio.Hw.Platform;

namespace SevTio.Hw.Tests.Device;

public sealed class DmaSmokeTests
{
    [Theory]
    [InlineData(false, 1, true, true)]
    [InlineData(false, 2, true, true)]
    [InlineData(true, 1, true, true)]
    [InlineData(false, 1, false, true)]
    [InlineData(true, 1, false, true)]
    [InlineData(false, 1, true, false)]
    [InlineData(false, 2, true, false)]
    [InlineData(true, 1, true, false)]
    [InlineData(false, 1, false, false)]
    [InlineData(true, 1, false, false)]
    public void Smoke(bool packet, int workers, bool functional, bool write)
    {
        using var run = new DmaRun(DmaRun.Config(packet: packet, workers: workers, functional: functional), new DmaWorkload { TotalBytes = 1 << 20, WindowBytes = 1 << 20, Direction = write ? DmaOpcode.Write : DmaOpcode.Read },
            r =>
            {
                var data = new byte[1 << 20];
                new Random(5).NextBytes(data);
                if (write)
                {
                    data.CopyTo(r.Platform.Device.Memory.Span);
                }
                else
                {
                    r.Guest.Write(r.Guest.WindowGpa, data);
                }
            });
        Assert.Equal(1, run.Driver.JobsCompleted);
        if (functional)
        {
            var expected = run.Platform.Device.Memory.Span[..(1 << 20)].ToArray();
            var actual = new byte[1 << 20];
            run.Guest.Read(run.Guest.WindowGpa, actual);
            Assert.Equal(expected, actual);
        }

        Console.WriteLine($"{(packet ? "packet" : "burst")} {(functional ? "func" : "timing")} {(write ? "write" : "read")}: bw {run.BandwidthGbps} p50 {run.Statistics.Latency.Percentile(0.5)} tlps {run.Platform.LinkTlps} events {run.Platform.Scheduler.EventsExecuted}");
    }
}
