using System.Text.Json;
using SevTio.Benchmarks.Compare;

namespace SevTio.EndToEnd.Tests.Perf;

public class ComparerTests
{
    [Fact]
    public void MannWhitney_CompleteSeparation_ExactPValue()
    {
        // With n = m = 3 and every y above every x, U = 9 is the single most extreme of C(6,3) = 20 arrangements.
        Assert.Equal(1.0 / 20, MannWhitney.PValueGreater([1, 2, 3], [4, 5, 6]), 12);
        // And the reverse is certain: every arrangement has U >= 0.
        Assert.Equal(1.0, MannWhitney.PValueGreater([4, 5, 6], [1, 2, 3]), 12);
    }

    [Fact]
    public void MannWhitney_SmallTable_MatchesEnumeration()
    {
        // n = 2, m = 3: U takes 0..6 with counts 1,1,2,2,2,1,1 over C(5,2) = 10 arrangements; P(U >= 4) = 4/10.
        // x = {1, 4}, y = {2, 3, 5}: pairs with y > x: (2>1),(3>1),(5>1),(5>4) = 4.
        Assert.Equal(0.4, MannWhitney.PValueGreater([1, 4], [2, 3, 5]), 12);
    }

    private static BenchmarkCase Case(string name, IEnumerable<double> samples, long alloc = 0) => new(name, samples.ToArray(), alloc);

    private static double[] Samples(int seed, double mean, int n = 15)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => mean * (1 + ((rng.NextDouble() - 0.5) * 0.04))).ToArray();
    }

    [Fact]
    public void Compare_IdenticalInputs_Pass()
    {
        var b = new[] { Case("A.X", Samples(1, 100)), Case("A.Y", Samples(2, 5)) };
        var result = Comparer.Compare(b, b, 0.05, 0.3);
        Assert.All(result, c => Assert.Equal(Verdict.Same, c.Verdict));
        Assert.False(Comparer.HasRegression(result, timeGates: true));
    }

    [Fact]
    public void Compare_TwentyPercentSlowdown_Flagged()
    {
        var b = new[] { Case("A.X", Samples(1, 100)) };
        var n = new[] { Case("A.X", Samples(3, 120)) };
        var c = Assert.Single(Comparer.Compare(b, n, 0.05, 0.3));
        Assert.Equal(Verdict.Slower, c.Verdict);
        Assert.True(c.PValue < Comparer.Alpha);
        Assert.True(Comparer.HasRegression([c], timeGates: true));
        Assert.False(Comparer.HasRegression([c], timeGates: false));
    }

    [Fact]
    public void Compare_SlowdownBelowNoiseFloor_NotFlagged()
    {
        var b = new[] { Case("A.X", Samples(1, 1)) };
        var n = new[] { Case("A.X", Samples(3, 1.2)) };
        Assert.Equal(Verdict.Same, Assert.Single(Comparer.Compare(b, n, 0.05, 0.3)).Verdict);
    }

    [Fact]
    public void Compare_ThreePercentChangeUnderFivePercentThreshold_NotFlagged()
    {
        var b = new[] { Case("A.X", Samples(1, 100)) };
        var n = new[] { Case("A.X", Samples(3, 103)) };
        Assert.Equal(Verdict.Same, Assert.Single(Comparer.Compare(b, n, 0.05, 0.3)).Verdict);
    }

    [Fact]
    public void Compare_AllocationGrowth_GatedExactly()
    {
        var b = new[] { Case("A.X", Samples(1, 100), alloc: 0) };
        var n = new[] { Case("A.X", Samples(1, 100), alloc: 64) };
        var c = Assert.Single(Comparer.Compare(b, n, 0.05, 0.3));
        Assert.Equal(Verdict.AllocationRegression, c.Verdict);
        Assert.True(Comparer.HasRegression([c], timeGates: false));
    }

    [Fact]
    public void Run_BenchmarkDotNetFullJson_ExitCodes()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sevtio-cmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var basePath = Path.Combine(dir, "base.json");
            var slowPath = Path.Combine(dir, "slow.json");
            File.WriteAllText(basePath, FullJson("SevTio.Benchmarks.X.Run", Samples(5, 200), 0));
            File.WriteAllText(slowPath, FullJson("SevTio.Benchmarks.X.Run", Samples(6, 240), 0));
            var output = new StringWriter();
            Assert.Equal(0, CompareCommand.Run([basePath, basePath, "--threshold", "5%"], output, TextWriter.Null));
            Assert.Equal(1, CompareCommand.Run([basePath, slowPath, "--threshold", "5%"], output, TextWriter.Null));
            Assert.Contains("| SevTio.Benchmarks.X.Run |", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, CompareCommand.Run([basePath], output, TextWriter.Null));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // The shape of BenchmarkDotNet's JsonExporter.Full: raw measurements per iteration.
    private static string FullJson(string name, double[] nsPerOp, long alloc)
    {
        var measurements = nsPerOp.Select((v, i) => new Dictionary<string, object>
        {
            ["IterationMode"] = "Workload", ["IterationStage"] = "Result", ["LaunchIndex"] = 1, ["IterationIndex"] = i + 1,
            ["Operations"] = 1000, ["Nanoseconds"] = v * 1000,
        }).Prepend(new Dictionary<string, object>
        {
            ["IterationMode"] = "Overhead", ["IterationStage"] = "Actual", ["LaunchIndex"] = 1, ["IterationIndex"] = 1,
            ["Operations"] = 1000, ["Nanoseconds"] = 1.0,
        });
        var doc = new Dictionary<string, object>
        {
            ["Title"] = "t",
            ["Benchmarks"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["FullName"] = name,
                    ["Measurements"] = measurements.ToArray(),
                    ["Memory"] = new Dictionary<string, object> { ["BytesAllocatedPerOperation"] = alloc },
                },
            },
        };
        return JsonSerializer.Serialize(doc);
    }

    [Fact]
    public void Markdown_UsesInvariantCulture()
    {
        var md = Comparer.ToMarkdown([new Comparison("N", 1.5, 2.5, 1.667, 0.01, 0, 0, Verdict.Slower)], 0.05, 0.3);
        Assert.Contains("| N | 1.5 | 2.5 | 1.667 | 0.0100 | 0 | 0 | Slower |", md, StringComparison.Ordinal);
    }
}
