using BenchmarkDotNet.Attributes;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Benchmarks;

/// <summary>
/// Host cost of the packet-level link: a device streams 256-byte MWr TLPs over gen 5 x16 with credits and backpressure,
/// one delivery event per TLP, the host returns the TLPs to the pool. One operation = one TLP through the link.
/// <c>AnalyticWriteCost</c> is the burst-level alternative: the cost of a 64 KiB write computed from the same equations.
/// </summary>
[MemoryDiagnoser]
public class LinkBenchmarks
{
    private const int TlpsPerInvoke = 16_384;

    private Scheduler _scheduler = null!;
    private PcieLink _link = null!;
    private Driver _driver = null!;
    private LinkTiming _timing = null!;

    [GlobalSetup]
    public void Setup()
    {
        _scheduler = new Scheduler();
        _link = new PcieLink(_scheduler, new LinkParameters());
        _driver = new Driver(_link, new TlpPool(256));
        _timing = _link.Timing;
    }

    [Benchmark(OperationsPerInvoke = TlpsPerInvoke)]
    public long PacketLevelWrites()
    {
        _driver.Remaining = TlpsPerInvoke;
        _driver.Pump();
        _scheduler.RunUntilIdle();
        return _link.UpstreamPort.Statistics.TlpsDelivered;
    }

    [Benchmark]
    public long AnalyticWriteCost() => _timing.WriteCost(1UL << 32, 65536, new IdeLinkOverhead(true, 4)).WireBytes;

    private sealed class Driver : ILinkReceiver, ILinkSendRetry
    {
        private readonly PcieLink _link;
        private readonly TlpPool _pool;
        private Tlp? _pending;
        private ulong _address = 1UL << 32;

        public Driver(PcieLink link, TlpPool pool)
        {
            _link = link;
            _pool = pool;
            link.UpstreamPort.RetryListener = this;
            link.DownstreamPort.Receiver = this;
        }

        public int Remaining { get; set; }

        public void Pump()
        {
            while (Remaining > 0 || _pending is not null)
            {
                if (_pending is null)
                {
                    _pending = _pool.Rent();
                    _pending.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, _address, 256));
                    _address += 256;
                    Remaining--;
                }

                if (!_link.UpstreamPort.TrySend(_pending))
                {
                    return;
                }

                _pending = null;
            }
        }

        public void OnTlpReceived(LinkPort port, Tlp tlp) => tlp.Release();

        public void OnSendRetry(LinkPort port) => Pump();
    }
}
