using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Pcie;

public sealed class LinkFlowControlTests
{
    private sealed class Endpoint : ILinkReceiver, ILinkSendRetry
    {
        public List<(SimTime At, Tlp Tlp)> Received { get; } = [];

        public int Retries { get; private set; }

        public Action? OnRetry { get; set; }

        public void OnTlpReceived(LinkPort port, Tlp tlp) => Received.Add((port.Timing is null ? default : Now!(), tlp));

        public void OnSendRetry(LinkPort port)
        {
            Retries++;
            OnRetry?.Invoke();
        }

        public Func<SimTime>? Now { get; set; }
    }

    private static Tlp Write(int bytes, int i = 0)
    {
        var tlp = new Tlp();
        tlp.EncodeForPayload(TlpHeader.MemoryWrite(0x100, 0x1_0000_0000 + (ulong)(i * bytes), bytes));
        tlp.Cookie = i;
        return tlp;
    }

    [Fact]
    public void TrySend_NoPostedCredits_StallsThenResumesAfterCreditReturn()
    {
        var scheduler = new Scheduler();
        var parameters = new LinkParameters
        {
            Generation = PcieGeneration.Gen5,
            Width = 16,
            PropagationLatency = SimTime.FromNanoseconds(100),
            CreditReturnLatency = SimTime.FromNanoseconds(200),
            DownstreamPortCredits = new FlowControlCredits(2, 32, 8, 8, 0, 0), // 2 headers, 512 bytes of posted data
        };
        var link = new PcieLink(scheduler, parameters);
        var host = new Endpoint { Now = () => scheduler.Now };
        var device = new Endpoint();
        link.DownstreamPort.Receiver = host;
        link.UpstreamPort.RetryListener = device;

        var pending = new Queue<Tlp>(Enumerable.Range(0, 5).Select(i => Write(256, i)));
        var admitted = new List<SimTime>();
        void Pump()
        {
            while (pending.Count > 0 && link.UpstreamPort.TrySend(pending.Peek()))
            {
                pending.Dequeue();
                admitted.Add(scheduler.Now);
            }
        }

        device.OnRetry = Pump;
        Pump();
        Assert.Equal(2, admitted.Count); // two header credits, 16 data credits each
        Assert.Equal(1, link.UpstreamPort.Statistics.CreditStalls);

        scheduler.RunUntilIdle();
        Assert.Equal(5, host.Received.Count);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (long)i), host.Received.Select(r => r.Tlp.Cookie));

        // The third TLP is admitted exactly when the first one's credits come back: its arrival plus the return latency.
        var serialization = link.Timing.SerializationTime(16 + 256);
        var firstArrival = serialization + parameters.PropagationLatency;
        Assert.Equal(firstArrival, host.Received[0].At);
        Assert.Equal(firstArrival + parameters.CreditReturnLatency, admitted[2]);
        Assert.True(device.Retries >= 2);
    }

    [Fact]
    public void CreditLimitedRate_PacketLevelMatchesAnalyticInterval()
    {
        var scheduler = new Scheduler();
        var parameters = new LinkParameters
        {
            PropagationLatency = SimTime.FromNanoseconds(300),
            CreditReturnLatency = SimTime.FromNanoseconds(400),
            DownstreamPortCredits = new FlowControlCredits(8, 2048, 8, 8, 0, 0),
        };
        var link = new PcieLink(scheduler, parameters);
        var arrivals = new List<SimTime>();
        var host = new Endpoint { Now = () => scheduler.Now };
        link.DownstreamPort.Receiver = host;
        var device = new Endpoint();
        link.UpstreamPort.RetryListener = device;
        var sent = 0;
        void Pump()
        {
            while (sent < 400 && link.UpstreamPort.TrySend(Write(256, sent)))
            {
                sent++;
            }
        }

        device.OnRetry = Pump;
        Pump();
        scheduler.RunUntilIdle();

        var serialization = link.Timing.SerializationTime(16 + 256);
        var rtt = link.Timing.CreditRoundTrip(serialization);
        var inFlight = LinkTiming.TlpsInFlight(parameters.DownstreamPortCredits, FlowControlType.Posted, 256);
        Assert.Equal(8, inFlight);
        var interval = LinkTiming.CreditLimitedInterval(serialization, rtt, inFlight);
        Assert.True(interval > serialization); // credit-limited, not wire-limited

        // Credit-limited traffic moves in bursts of 8 per round trip: measure over whole bursts.
        var measured = (host.Received[392].At - host.Received[96].At).Picoseconds / 296.0;
        Assert.InRange(measured / interval.Picoseconds, 0.995, 1.005);
    }

    [Fact]
    public void TrySend_QueueFull_RefusedThenRetried()
    {
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters { DownstreamPortCredits = FlowControlCredits.Infinite });
        link.UpstreamPort.TransmitQueueLimit = 4;
        var device = new Endpoint();
        link.UpstreamPort.RetryListener = device;
        var sent = 0;
        void Pump()
        {
            while (sent < 20 && link.UpstreamPort.TrySend(Write(256, sent)))
            {
                sent++;
            }
        }

        device.OnRetry = Pump;
        Pump();
        Assert.Equal(4, sent);
        scheduler.RunUntilIdle();
        Assert.Equal(20, sent);
        Assert.Equal(20, link.UpstreamPort.Statistics.TlpsDelivered);
        Assert.True(link.UpstreamPort.Statistics.QueueStalls > 0);
    }

    [Fact]
    public void ManualCreditReturn_CreditsComeBackOnlyWhenTheReceiverFreesThem()
    {
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters { DownstreamPortCredits = new FlowControlCredits(1, 64, 1, 1, 0, 0) });
        link.DownstreamPort.ManualCreditReturn = true;
        var host = new Endpoint { Now = () => scheduler.Now };
        link.DownstreamPort.Receiver = host;
        Assert.True(link.UpstreamPort.TrySend(Write(64)));
        scheduler.RunUntilIdle();
        Assert.False(link.UpstreamPort.CanSend(FlowControlType.Posted, 64));
        link.DownstreamPort.ReturnCredits(FlowControlType.Posted, 1, 4);
        scheduler.RunUntil(scheduler.Now + link.Parameters.CreditReturnLatency);
        Assert.True(link.UpstreamPort.CanSend(FlowControlType.Posted, 64));
    }

    [Fact]
    public void Directions_AreIndependent()
    {
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters());
        Assert.True(link.UpstreamPort.TrySend(Write(4096)));
        var cpl = new Tlp();
        cpl.EncodeForPayload(TlpHeader.CompletionWithData(0, 0x100, 1, 0, 256, 256));
        Assert.True(link.DownstreamPort.TrySend(cpl));
        Assert.Equal(link.Timing.SerializationTime(12 + 256), link.DownstreamPort.TransmitBusyUntil);
    }

    [Fact]
    public void ReserveBurst_BurstLevel_MatchesPacketLevelSerialisation()
    {
        // The same N TLPs reserved as one burst end where N packet-level sends end.
        var timing = new LinkTiming(new LinkParameters());
        var packet = new PcieLink(new Scheduler(), new LinkParameters { DownstreamPortCredits = FlowControlCredits.Infinite });
        packet.UpstreamPort.TransmitQueueLimit = 1000;
        for (var i = 0; i < 256; i++)
        {
            Assert.True(packet.UpstreamPort.TrySend(Write(256, i)));
        }

        var burst = new PcieLink(new Scheduler(), new LinkParameters());
        var cost = timing.WriteCost(1UL << 32, 65536);
        var r = burst.UpstreamPort.ReserveBurst(cost.WireBytes, cost.Tlps, cost.PayloadBytes);
        Assert.Equal(packet.UpstreamPort.TransmitBusyUntil, r.End);
        Assert.Equal(r.End + burst.Parameters.PropagationLatency, r.Arrival);
    }
}
