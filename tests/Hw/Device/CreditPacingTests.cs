using SevTio.Hw.Device;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;

namespace SevTio.Hw.Tests.Device;

/// <summary>
/// When the root port advertises few credits, flow control, not the wire, sets the rate: the packet level stalls TLPs
/// for credits; the burst level paces bursts at one TLP per credit round trip / TLPs in flight. Both agree, and both
/// match that analytic rate.
/// </summary>
public sealed class CreditPacingTests
{
    [Theory]
    [InlineData(8, 4096)]
    [InlineData(16, 256)]
    public void FewPostedCredits_BurstAndPacketAgree_AtTheCreditRate(int headerCredits, int transferSize)
    {
        var link = new LinkParameters { DownstreamPortCredits = new FlowControlCredits(headerCredits, headerCredits * 16, 128, 128, 0, 0) };
        var workload = new DmaWorkload { TransferSize = transferSize, TotalBytes = 2 << 20, WindowBytes = 2 << 20 };
        double Bandwidth(bool packet)
        {
            using var run = new DmaRun(DmaRun.Config(packet: packet, functional: false) with { Link = link }, workload);
            return run.Statistics.BytesWritten / (run.Statistics.LastDataDone - run.Statistics.FirstDataIssued).TotalSeconds;
        }

        var burst = Bandwidth(packet: false);
        var packetLevel = Bandwidth(packet: true);
        Assert.InRange(burst, packetLevel * 0.99, packetLevel * 1.01);

        // A 256-byte TLP with IDE is 296 wire bytes; its credits come back after serialisation, 20 ns of flight and
        // 100 ns of credit return: at most `headerCredits` TLPs per round trip.
        var timing = new LinkTiming(link);
        var serialization = timing.SerializationTime(288).TotalSeconds;
        var roundTrip = serialization + 20e-9 + 100e-9;
        var creditRate = headerCredits * 256 / roundTrip;
        Assert.True(creditRate < timing.WriteBandwidth(4096, new IdeLinkOverhead(true)).BytesPerSecond, "the case must be credit-bound");
        Assert.InRange(packetLevel, creditRate * 0.97, creditRate * 1.01);
    }
}
