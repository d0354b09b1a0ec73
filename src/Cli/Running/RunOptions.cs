namespace SevTio.Cli.Running;

/// <summary>How <see cref="ScenarioRunner.Run(Configuration.ScenarioConfig, RunOptions?)"/> runs a scenario (nothing here changes simulated results).</summary>
public sealed record RunOptions
{
    /// <summary>Told how far the DMA phase is (0..1), from the simulation thread, every few tens of microseconds of simulated time.</summary>
    public IProgress<double>? Progress { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>Threads of the functional data path (1 or 2); null: 2 when the machine has two cores or more.</summary>
    public int? Workers { get; init; }

    /// <summary>Called on the simulation thread with the run's platform before anything runs on it (after the warm-up); observers only (<c>--trace-json</c>).</summary>
    public Action<Hw.Platform.SevTioPlatform>? PlatformCreated { get; init; }

    /// <summary>Called after the run, while the platform's meters still exist (the CLI flushes its telemetry here).</summary>
    public Action? BeforeTeardown { get; init; }
}
