using System.Diagnostics;
using SevTio.Hw.Memory;
using SevTio.Hw.Platform;

namespace SevTio.Hw.Tests.Device;

public sealed class DmaPerfProbe2
{
    [Fact]
    public void Probe2()
    {
        var config = DmaRun.Config(functional: false, window: 64UL << 20);
        using var platform = new SevTioPlatform(config);
        var guest = PlatformBringUp.Run(platform);
        for (var round = 0; round < 3; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < 65536; i++)
            {
                var a = SevTioPlatform.DmaWindowBase + ((ulong)(i % 16384) * 4096);
                platform.RootPort.Translate(0x0100, a, 4096, MemoryAccess.Write, true);
            }

            var t1 = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var link = platform.Link.UpstreamPort;
            for (var i = 0; i < 65536; i++)
            {
                link.ReserveBurst(4736, 16, 4096);
            }

            var t2 = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var timing = platform.Link.Timing;
            for (var i = 0; i < 65536; i++)
            {
                timing.ByteTime.TimeFor((long)((Int128)4736 * 256 / 4096));
            }

            var t3 = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            Console.WriteLine($"translate {t1} ms, reserve {t2} ms, proportion {t3} ms");
        }
    }
}
