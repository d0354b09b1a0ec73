using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Memory;

public sealed class MemoryTimingTests
{
    [Fact]
    public void ReadCost_IsLatencyPlusTransferAtBandwidth()
    {
        var timing = new MemoryTiming { ReadLatency = SimTime.FromNanoseconds(100), Bandwidth = Bandwidth.Parse("64GB/s"), EncryptionLatency = SimTime.FromNanoseconds(5) };

        // 4096 B at 64e9 B/s = 64 ns exactly.
        Assert.Equal(SimTime.FromNanoseconds(164), timing.ReadCost(4096));
        Assert.Equal(SimTime.FromNanoseconds(169), timing.ReadCost(4096, encrypted: true));
    }

    [Fact]
    public void WriteCost_UsesWriteLatency()
    {
        var timing = new MemoryTiming { WriteLatency = SimTime.FromNanoseconds(40), Bandwidth = Bandwidth.Parse("32GB/s") };
        // 256 B at 32e9 B/s = 8 ns.
        Assert.Equal(SimTime.FromNanoseconds(48), timing.WriteCost(256));
    }

    [Fact]
    public void Validate_NegativeLatency_NamesTheKey()
    {
        var timing = new MemoryTiming { ReadLatency = SimTime.FromNanoseconds(-1) };
        var e = Assert.Throws<ParameterException>(() => timing.Validate());
        Assert.Equal("memory.read_latency", e.Key);
    }
}
