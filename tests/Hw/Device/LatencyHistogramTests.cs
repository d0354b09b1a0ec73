using SevTio.Hw.Device;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Device;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void Percentile_MatchesExactOrderStatisticWithinTwoPerMille(double q)
    {
        var random = new Random(3);
        var values = new long[20000];
        var h = new LatencyHistogram();
        for (var i = 0; i < values.Length; i++)
        {
            // Log-uniform from 100 ps to 100 us.
            values[i] = (long)Math.Exp(Math.Log(100) + (random.NextDouble() * Math.Log(1e6)));
            h.Record(SimTime.FromPicoseconds(values[i]));
        }

        Array.Sort(values);
        var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
        var reported = h.Percentile(q).Picoseconds;
        Assert.InRange(reported, exact * 0.998, exact * 1.002);
        Assert.Equal(values.Length, h.Count);
        Assert.Equal(values[0], h.Min.Picoseconds);
        Assert.Equal(values[^1], h.Max.Picoseconds);
        Assert.Equal(values.Sum() / values.Length, h.Mean.Picoseconds);
    }

    [Fact]
    public void Percentile_SmallValuesAreExact_EmptyIsZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(SimTime.Zero, h.Percentile(0.5));
        foreach (var v in new long[] { 5, 1, 900, 3 })
        {
            h.Record(SimTime.FromPicoseconds(v));
        }

        Assert.Equal(3, h.Percentile(0.5).Picoseconds);
        Assert.Equal(900, h.Percentile(1).Picoseconds);
    }
}
