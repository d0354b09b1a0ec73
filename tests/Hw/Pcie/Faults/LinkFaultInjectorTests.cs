using SevTio.Hw.Pcie.Faults;

namespace SevTio.Hw.Tests.Pcie.Faults;

/// <summary>
/// The link fault injector: per-TLP Bernoulli faults drawn as geometric gaps. Expected counts come from the binomial
/// law (mean n·p, standard deviation √(n·p·(1−p))), computed here, not from the injector.
/// </summary>
public sealed class LinkFaultInjectorTests
{
    [Fact]
    public void TryHit_SameSeed_SameFaults()
    {
        var a = Record(new LinkFaultInjector(1e-3, 5e-4, 42));
        var b = Record(new LinkFaultInjector(1e-3, 5e-4, 42));
        var c = Record(new LinkFaultInjector(1e-3, 5e-4, 43));
        Assert.NotEmpty(a);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(1e-3, 0)]
    [InlineData(0, 1e-3)]
    [InlineData(2e-4, 3e-4)]
    public void TryHit_ManyTlps_CountsFollowTheBinomialLaw(double corruption, double drop)
    {
        // One TLP per call, so every fault is counted (the injector takes at most one per call).
        const long n = 2_000_000;
        var injector = new LinkFaultInjector(corruption, drop, 7) { Armed = true };
        for (long i = 0; i < n; i++)
        {
            injector.TryHit(1, out _, out _, out _);
        }

        Assert.Equal(n, injector.TlpsSeen);
        AssertBinomial(injector.Corruptions, n, corruption);
        AssertBinomial(injector.Drops, n, drop);
    }

    [Fact]
    public void TryHit_RateOne_HitsTheFirstTlpOfEveryCall()
    {
        var injector = new LinkFaultInjector(1, 0, 1) { Armed = true };
        for (var i = 0; i < 100; i++)
        {
            Assert.True(injector.TryHit(16, out var index, out var kind, out _));
            Assert.Equal(0, index);
            Assert.Equal(LinkFaultKind.Corruption, kind);
        }
    }

    [Fact]
    public void TryHit_HitIndex_IsInsideTheCall()
    {
        var injector = new LinkFaultInjector(0.01, 0.01, 3) { Armed = true };
        var hits = 0;
        for (var i = 0; i < 100_000; i++)
        {
            if (injector.TryHit(16, out var index, out var kind, out _))
            {
                hits++;
                Assert.InRange(index, 0, 15);
                Assert.NotEqual(LinkFaultKind.None, kind);
            }
        }

        Assert.True(hits > 0);
        Assert.Equal(hits, injector.Injected);
    }

    [Fact]
    public void TryHit_Disarmed_NeverHits()
    {
        var injector = new LinkFaultInjector(0.5, 0.5, 1);
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(injector.TryHit(64, out _, out _, out _));
        }

        Assert.Equal(0, injector.Injected);
        Assert.Equal(0, injector.TlpsSeen);
    }

    [Fact]
    public void TryHit_NoFault_AllocatesNothing()
    {
        var injector = new LinkFaultInjector(1e-9, 0, 1) { Armed = true };
        injector.TryHit(1, out _, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            injector.TryHit(16, out _, out _, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData(-0.1, 0)]
    [InlineData(0.6, 0.6)]
    [InlineData(double.NaN, 0)]
    public void Constructor_BadRates_Throws(double corruption, double drop) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkFaultInjector(corruption, drop, 1));

    private static List<(long Call, long Index, LinkFaultKind Kind, uint Entropy)> Record(LinkFaultInjector injector)
    {
        injector.Armed = true;
        var hits = new List<(long, long, LinkFaultKind, uint)>();
        for (long call = 0; call < 50_000; call++)
        {
            if (injector.TryHit(16, out var index, out var kind, out var entropy))
            {
                hits.Add((call, index, kind, entropy));
            }
        }

        return hits;
    }

    private static void AssertBinomial(long count, long n, double p)
    {
        var mean = n * p;
        var sigma = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(count, mean - (5 * sigma), mean + (5 * sigma));
    }
}
