using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Ide;

/// <summary>IDE timing on the packet-level link: pipelined crypto latency and the aggregation delay.</summary>
public sealed class IdeTimingTests
{
    private sealed class Receiver(Scheduler scheduler, IdeStream stream) : ILinkReceiver, IIdeReceiveSink
    {
        public List<(SimTime At, long Cookie)> Released { get; } = [];

        public void OnTlpReceived(LinkPort port, Tlp tlp)
        {
            var self = this;
            stream.Receive(tlp, ref self);
        }

        public void OnVerified(in IdeVerifiedSegment segment) => Released.Add((scheduler.Now, segment.Tlp.Cookie));

        public void OnDropped(Tlp tlp, IdeCheckFailure reason) => throw new InvalidOperationException(reason.ToString());
    }

    [Fact]
    public void CryptoLatency_AddsToDeliveryNotToThroughput()
    {
        var settings = new IdeStreamSettings { TransmitLatency = SimTime.FromNanoseconds(50), ReceiveLatency = SimTime.FromNanoseconds(30) };
        using var pair = new IdeTestPair(settings);
        var devicePort = new IdePort("dev", settings: settings);
        var rootPort = new IdePort("rp", settings: settings);
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters { DownstreamPortCredits = FlowControlCredits.Infinite });
        devicePort.AttachTiming(link.UpstreamPort);
        rootPort.AttachTiming(link.DownstreamPort);
        link.UpstreamPort.TransmitQueueLimit = 100;
        var receiver = new Receiver(scheduler, pair.RootPort);
        link.DownstreamPort.Receiver = receiver;

        for (var i = 0; i < 10; i++)
        {
            var tlp = IdeTestPair.MemoryWrite(0x1_0000_0000 + (ulong)(i * 256), IdeTestPair.Payload(256, i));
            tlp.Cookie = i;
            pair.Device.Seal(tlp);
            Assert.True(link.UpstreamPort.TrySend(tlp));
        }

        scheduler.RunUntilIdle();
        var t = link.Timing.SerializationTime(4 + 16 + 256 + 12);
        var first = SimTime.FromNanoseconds(50) + t + link.Parameters.PropagationLatency + SimTime.FromNanoseconds(30);
        Assert.Equal(first, receiver.Released[0].At);

        // Back to back: one serialisation time apart, the pipeline latency paid once.
        var span = receiver.Released[9].At - receiver.Released[0].At;
        Assert.InRange(span.Picoseconds, (t.Picoseconds * 9) - 9, (t.Picoseconds * 9) + 9);
    }

    [Fact]
    public void Aggregation_UnitReleasedWhenItsMacArrives()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = 4 });
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters { DownstreamPortCredits = FlowControlCredits.Infinite });
        var receiver = new Receiver(scheduler, pair.RootPort);
        link.DownstreamPort.Receiver = receiver;
        for (var i = 0; i < 4; i++)
        {
            var tlp = IdeTestPair.MemoryWrite(0x1_0000_0000 + (ulong)(i * 256), IdeTestPair.Payload(256, i));
            tlp.Cookie = i;
            pair.Device.Seal(tlp, i < 3 ? 256 : -1);
            Assert.True(link.UpstreamPort.TrySend(tlp));
        }

        scheduler.RunUntilIdle();

        // The first three TLPs wait for the fourth: all four are released at the arrival of the MAC-carrying TLP.
        var prop = link.Parameters.PropagationLatency;
        var tNoMac = link.Timing.SerializationTime(4 + 16 + 256);
        var tMac = link.Timing.SerializationTime(4 + 16 + 256 + 12);
        var lastArrival = link.Timing.ByteTime.TimeFor((3 * link.Timing.WireBytes(276)) + link.Timing.WireBytes(288)) + prop;
        Assert.Equal([0L, 1, 2, 3], receiver.Released.Select(r => r.Cookie));
        Assert.All(receiver.Released, r => Assert.Equal(lastArrival, r.At));
        Assert.True(lastArrival - (tNoMac + prop) >= (2 * tNoMac) + tMac - SimTime.FromPicoseconds(4));
    }
}
