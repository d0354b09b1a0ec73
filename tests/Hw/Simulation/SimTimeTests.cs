using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Simulation;

public class SimTimeTests
{
    [Theory]
    [InlineData("550ns", 550_000L)]
    [InlineData("1.25us", 1_250_000L)]
    [InlineData("800ps", 800L)]
    [InlineData("3ms", 3_000_000_000L)]
    [InlineData("2s", 2_000_000_000_000L)]
    [InlineData(" 10 ns ", 10_000L)]
    [InlineData("1e3ps", 1_000L)]
    [InlineData("0.5ns", 500L)]
    public void Parse_UnitString_GivesPicoseconds(string text, long expectedPs) =>
        Assert.Equal(expectedPs, SimTime.Parse(text).Picoseconds);

    [Theory]
    [InlineData("550")]
    [InlineData("550 furlongs")]
    [InlineData("ns")]
    [InlineData("")]
    [InlineData("0.5ps")]
    [InlineData("1e30s")]
    public void Parse_BadString_NamesKeyAndValue(string text)
    {
        var ex = Assert.Throws<ParameterException>(() => SimTime.Parse(text, "host.read_latency"));
        Assert.Equal("host.read_latency", ex.Key);
        Assert.Equal(text, ex.Value);
        Assert.StartsWith("host.read_latency: '", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1_250_000L, "1.250us")]
    [InlineData(550_000L, "550.000ns")]
    [InlineData(750L, "750ps")]
    [InlineData(2_000_000_000_000L, "2.000s")]
    [InlineData(3_500_000_000L, "3.500ms")]
    [InlineData(0L, "0ps")]
    [InlineData(-1_500L, "-1.500ns")]
    public void ToString_PicksLargestUnit(long ps, string expected) =>
        Assert.Equal(expected, SimTime.FromPicoseconds(ps).ToString());

    [Fact]
    public void ToString_ParsesBackToSameValue()
    {
        var rng = new Random(7);
        long[] units = [1_000, 1_000_000, 1_000_000_000, 1_000_000_000_000];
        for (var i = 0; i < 1000; i++)
        {
            // n thousandths of a unit with 1 <= n/1000 < 1000 print in that unit with three exact decimals.
            var unit = units[rng.Next(units.Length)];
            var t = SimTime.FromPicoseconds(rng.NextInt64(1_000, 1_000_000) * (unit / 1_000));
            Assert.Equal(t, SimTime.Parse(t.ToString()));
        }
    }

    [Fact]
    public void Arithmetic_FollowsIntegerPicoseconds()
    {
        var a = SimTime.FromNanoseconds(3);
        var b = SimTime.FromPicoseconds(250);
        Assert.Equal(3_250, (a + b).Picoseconds);
        Assert.Equal(2_750, (a - b).Picoseconds);
        Assert.Equal(9_000, (a * 3).Picoseconds);
        Assert.Equal(1_000, (a / 3).Picoseconds);
        Assert.Equal(12.0, a / b);
        var a2 = SimTime.FromPicoseconds(3_000);
        Assert.True(b < a && a > b && a >= a2 && a <= a2 && a != b && a == a2);
        Assert.Equal(a, SimTime.Max(a, b));
        Assert.Equal(b, SimTime.Min(a, b));
        Assert.Equal(3e-9, a.TotalSeconds, 15);
    }
}
