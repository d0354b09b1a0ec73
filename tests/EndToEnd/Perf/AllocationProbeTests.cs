using BenchmarkDotNet.Attributes;
using SevTio.Benchmarks.Allocations;
using SevTio.Benchmarks.Compare;

namespace SevTio.EndToEnd.Tests.Perf;

/// <summary>A benchmark class of known allocations, for the probe (public: the probe finds classes by reflection).</summary>
public class ProbeTargetBenchmarks
{
    private long _sum;

    [Params(1000, 4000)]
    public int Length { get; set; }

    [Benchmark]
    public long NoAllocation()
    {
        _sum += Length;
        return _sum;
    }

    /// <summary>Two arrays per invoke, four operations per invoke.</summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public int TwoArrays() => new byte[Length].Length + new byte[Length].Length;
}

public class AllocationProbeTests
{
    [Fact]
    public void Run_KnownAllocations_CountsBytesPerOperationExactly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-alloc-{Guid.NewGuid():N}.json");
        try
        {
            var exit = AllocationProbe.Run(["--filter", "*ProbeTargetBenchmarks*", "--out", path, "--invocations", "8"], new StringWriter(), new StringWriter(), typeof(ProbeTargetBenchmarks).Assembly);
            Assert.Equal(0, exit);
            var cases = BenchmarkReport.Load(path).ToDictionary(c => c.FullName, c => c.AllocatedBytesPerOperation);

            // A byte[N] on 64-bit CoreCLR: method table pointer + length word (16 B) + 8 B of padding/header, plus N
            // rounded up to 8 bytes; two of them per invoke, four operations per invoke.
            static long Array(int n) => 24 + ((n + 7) / 8 * 8);
            const string Name = "SevTio.EndToEnd.Tests.Perf.ProbeTargetBenchmarks";
            Assert.Equal(0, cases[$"{Name}.NoAllocation(Length: 1000)"]);
            Assert.Equal(0, cases[$"{Name}.NoAllocation(Length: 4000)"]);
            Assert.Equal(2 * Array(1000) / 4, cases[$"{Name}.TwoArrays(Length: 1000)"]);
            Assert.Equal(2 * Array(4000) / 4, cases[$"{Name}.TwoArrays(Length: 4000)"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_NothingMatches_ExitsTwo() =>
        Assert.Equal(2, AllocationProbe.Run(["--filter", "*NoSuchBenchmark*", "--out", "unused.json"], new StringWriter(), new StringWriter(), typeof(ProbeTargetBenchmarks).Assembly));
}
