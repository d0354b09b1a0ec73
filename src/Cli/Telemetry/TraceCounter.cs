using SevTio.Hw.Simulation;

namespace SevTio.Cli.Telemetry;

/// <summary>One sample of a counter track (Trace Event Format <c>ph:"C"</c>): several named series at one simulated time.</summary>
public sealed record TraceCounter(string Name, SimTime At, IReadOnlyList<(string Series, long Value)> Values);
