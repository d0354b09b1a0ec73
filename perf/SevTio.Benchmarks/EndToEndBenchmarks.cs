using BenchmarkDotNet.Attributes;
using SevTio.Cli.Configuration;
using SevTio.Cli.Running;

namespace SevTio.Benchmarks;

/// <summary>
/// A whole <c>sevtio run</c> as a user runs it, minus the terminal: platform and PSP init, guest launch, connect
/// (SPDM with ECDSA P-384, IDE_KM), lock, report check, accept, driver bind, a DMA workload, unlock. One operation =
/// one run, both in timing mode. <c>TrustFlowOnly</c> moves a single 4 KiB page, so it measures the trust flow's host cost (certificate
/// chain checks, signatures, key schedule, DOE relays); <c>TimingBulk64MiB</c> adds a 64 MiB timing-mode write, so the
/// difference between the two is the bulk phase.
/// </summary>
[MemoryDiagnoser]
public class EndToEndBenchmarks
{
    private ScenarioConfig _trustOnly = null!;
    private ScenarioConfig _bulk = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trustOnly = Scenario("workload.total=4KiB", "workload.window=4MiB", "crypto.mode=timing");
        _bulk = Scenario("workload.total=64MiB", "crypto.mode=timing");
    }

    [Benchmark(Baseline = true)]
    public double TrustFlowOnly() => Run(_trustOnly);

    [Benchmark]
    public double TimingBulk64MiB() => Run(_bulk);

    private static ScenarioConfig Scenario(params string[] assignments)
    {
        var config = new ScenarioConfig();
        foreach (var assignment in assignments)
        {
            config.SetAssignment(assignment);
        }

        config.Validate();
        return config;
    }

    private static double Run(ScenarioConfig config) =>
        ScenarioRunner.Run(config, new RunOptions { Workers = 1 })["sim.time_s"];
}
