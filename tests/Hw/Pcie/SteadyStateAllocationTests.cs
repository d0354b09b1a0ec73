using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Pcie;

/// <summary>The per-TLP path (pool, encode, credits, serialisation, delivery event) allocates nothing once warm.</summary>
public sealed class SteadyStateAllocationTests
{
    [Fact]
    public void PacketLink_SteadyStateWrites_AllocateNothing()
    {
        var scheduler = new Scheduler();
        var link = new PcieLink(scheduler, new LinkParameters());
        var driver = new Driver(link, new TlpPool(128));
        driver.Run(scheduler, 5000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        driver.Run(scheduler, 20000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(25000, link.UpstreamPort.Statistics.TlpsDelivered);
    }

    private sealed class Driver : ILinkReceiver, ILinkSendRetry
    {
        private readonly PcieLink _link;
        private readonly TlpPool _pool;
        private Tlp? _pending;
        private int _remaining;

        public Driver(PcieLink link, TlpPool pool)
        {
            _link = link;
            _pool = pool;
            link.UpstreamPort.RetryListener = this;
            link.DownstreamPort.Receiver = this;
        }

        public void Run(Scheduler scheduler, int tlps)
        {
            _remaining = tlps;
            Pump();
            scheduler.RunUntilIdle();
        }

        public void OnTlpReceived(LinkPort port, Tlp tlp)
        {
            _ = TlpCodec.Parse(tlp.Wire, out _, out _);
            tlp.Release();
        }

        public void OnSendRetry(LinkPort port) => Pump();

        private void Pump()
        {
            while (_remaining > 0 || _pending is not null)
            {
                if (_pending is null)
                {
                    _pending = _pool.Rent();
                    _pending.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, 0x1_0000_0000, 256));
                    _remaining--;
                }

                if (!_link.UpstreamPort.TrySend(_pending))
                {
                    return;
                }

                _pending = null;
            }
        }
    }
}
