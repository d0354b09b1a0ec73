using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>
/// The outcome of one RMP check on the access path: which check failed (none when the access may proceed) and the
/// simulated time the check took (RMP entry cache hit, or a miss with timed memory reads of the entry).
/// </summary>
public readonly record struct RmpCheckResult(RmpViolation Violation, SimTime Latency)
{
    public bool Allowed => Violation == RmpViolation.None;
}
