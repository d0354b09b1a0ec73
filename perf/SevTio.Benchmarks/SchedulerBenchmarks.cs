using BenchmarkDotNet.Attributes;
using SevTio.Hw.Simulation;

namespace SevTio.Benchmarks;

/// <summary>
/// The classic "hold" model: with N events pending, pop the earliest and push one at now + a random delta.
/// One operation = one event; BenchmarkDotNet's Op/s column reads as events per second.
/// </summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    private const int EventsPerInvoke = 100_000;

    private Scheduler _scheduler = null!;
    private Hold _hold = null!;

    [Params(16, 1_024, 65_536)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scheduler = new Scheduler(Pending * 2);
        _hold = new Hold(new Random(42));
        for (var i = 0; i < Pending; i++)
        {
            _scheduler.Schedule(SimTime.FromPicoseconds(i), _hold);
        }
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public void HoldModel()
    {
        var s = _scheduler;
        for (var i = 0; i < EventsPerInvoke; i++)
        {
            s.Step();
        }
    }

    private sealed class Hold(Random rng) : ISimEventHandler
    {
        public void OnEvent(Scheduler scheduler, long arg0, long arg1) =>
            scheduler.ScheduleAfter(SimTime.FromPicoseconds(rng.Next(1, 1_000_000)), this);
    }
}
