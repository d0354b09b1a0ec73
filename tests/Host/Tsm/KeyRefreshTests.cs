using SevTio.Host.Tests.Support;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Protocols.Psp;

namespace SevTio.Host.Tests.Tsm;

/// <summary>
/// The IDE counter-limit event reaches the PSP, which asks the host (a mailbox notification) for TIO_ROLL_KEY; the
/// host queues it and runs it outside the mailbox; both ends move to the new key set and the stream stays Secure.
/// </summary>
public sealed class KeyRefreshTests
{
    [Fact]
    public void CounterLimit_PspAsksHostRollsKeys_StreamMovesToTheNewSetAndStaysSecure()
    {
        using var bench = new HostBench(ideSettings: new IdeStreamSettings { KeyRefreshCounterLimit = 4 });
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        var rootPort = bench.Device.RootPort.FindStream(1)!;
        var notifications = new List<Firmware.Psp.Mailbox.PspNotification>();
        bench.Platform.Psp.Mailbox.Notification += notifications.Add;

        for (var i = 0; i < 5; i++)
        {
            var tlp = new Tlp();
            tlp.Encode(TlpHeader.MemoryWrite(0x0000, 0x1_0000 + ((ulong)i * 64), 64), new byte[64]);
            Assert.Equal(IdeSealStatus.Sealed, rootPort.Seal(tlp));
            tlp.Release();
        }

        Assert.Equal(Firmware.Psp.Mailbox.PspNotificationKind.IdeKeyRefreshRequired, Assert.Single(notifications).Kind);
        Assert.Equal(0, bench.Hypervisor.KeyRefreshes);
        bench.Platform.Scheduler.Advance(Hw.Simulation.SimTime.FromMicroseconds(1));

        Assert.Equal(1, bench.Hypervisor.KeyRefreshes);
        Assert.Equal(IdeKeySet.K1, rootPort.GetTransmitKeySet(IdeSubstream.Posted));
        Assert.Equal(IdeStreamState.Secure, rootPort.State);
        Assert.Equal(IdeStreamState.Secure, bench.Device.Ide.FindStream(1)!.State);
        Assert.Equal(12, bench.Device.Keys.Keys.Count);
    }
}
