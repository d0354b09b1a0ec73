using SevTio.Cli.Configuration;
using SevTio.Cli.Running;

namespace SevTio.Cli.Sweeps;

/// <summary>
/// The cross product of the varied keys over a base scenario. Every point is resolved and validated before any runs,
/// so a bad value fails fast (exit 2) instead of after an hour of simulation. Points run in parallel across cores;
/// each run is deterministic on its own, so the results do not depend on the degree of parallelism.
/// </summary>
public sealed class Sweep
{
    private Sweep(IReadOnlyList<SweepAxis> axes, IReadOnlyList<SweepPoint> points)
    {
        Axes = axes;
        Points = points;
    }

    public IReadOnlyList<SweepAxis> Axes { get; }

    public IReadOnlyList<SweepPoint> Points { get; }

    /// <param name="baseConfig">Builds the base configuration (scenario file and --set applied) afresh for each point.</param>
    /// <param name="axes">The varied keys; the first varies slowest.</param>
    public static Sweep Plan(Func<ScenarioConfig> baseConfig, IReadOnlyList<SweepAxis> axes)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        var points = new List<SweepPoint>();
        var combination = new int[axes.Count];
        var total = axes.Aggregate(1, (n, a) => checked(n * a.Values.Count));
        for (var i = 0; i < total; i++)
        {
            var rest = i;
            for (var a = axes.Count - 1; a >= 0; a--)
            {
                combination[a] = rest % axes[a].Values.Count;
                rest /= axes[a].Values.Count;
            }

            var config = baseConfig();
            var varied = new List<KeyValuePair<string, string>>(axes.Count);
            for (var a = 0; a < axes.Count; a++)
            {
                var value = axes[a].Values[combination[a]];
                axes[a].Apply(config, value);
                varied.Add(new(axes[a].Key, value));
            }

            config.Validate();
            points.Add(new SweepPoint(i, varied, config));
        }

        return new Sweep(axes, points);
    }

    /// <summary>Runs every point; <paramref name="onPointDone"/> is called (from worker threads) as points finish.</summary>
    public void Run(int maxParallelism, Action<SweepPoint>? onPointDone = null, CancellationToken cancellation = default)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism), CancellationToken = cancellation };
        Parallel.ForEach(Points, options, point =>
        {
            point.Result = ScenarioRunner.Run(point.Config, cancellation: cancellation);
            onPointDone?.Invoke(point);
        });
    }
}
