using System.Diagnostics;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Telemetry;

/// <summary>
/// Spans laid out in simulated time (DESIGN.md, "Telemetry"): a span starts and ends at a fixed epoch plus simulated
/// time, and carries the exact picoseconds as attributes because <see cref="DateTime"/> resolves only 100 ns.
/// Spans mark phases and jobs, never TLPs.
/// </summary>
public static class SimSpan
{
    /// <summary>Simulated time zero on the wall clock of exported traces.</summary>
    public static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public const string StartAttribute = "sevtio.sim.start_ps";
    public const string EndAttribute = "sevtio.sim.end_ps";

    public static DateTime ToTimestamp(SimTime t) => Epoch.AddTicks(t.Picoseconds / 100_000);

    /// <summary>Starts a span at simulated time <paramref name="start"/>, as a child of the current activity (or <paramref name="parent"/>).</summary>
    public static Activity? Start(ActivitySource source, string name, SimTime start, ActivityKind kind = ActivityKind.Internal, ActivityContext parent = default)
    {
        if (!source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(name, kind, parent, startTime: ToTimestamp(start));
        activity?.SetTag(StartAttribute, start.Picoseconds);
        return activity;
    }

    /// <summary>Ends a span at simulated time <paramref name="end"/> and restores the previous current activity.</summary>
    public static void End(Activity? activity, SimTime end)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(EndAttribute, end.Picoseconds);
        var endTime = ToTimestamp(end);

        // Activity.Stop() stamps the wall clock on a span whose duration is zero; a phase shorter than 100 ns
        // keeps one tick instead (the exact picoseconds stay in the attributes).
        activity.SetEndTime(endTime > activity.StartTimeUtc ? endTime : activity.StartTimeUtc.AddTicks(1));
        activity.Stop();
    }
}
