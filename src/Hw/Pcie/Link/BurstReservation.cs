using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>Where a burst reserved on a link direction sits in time: serialisation start and end, and arrival at the far side.</summary>
public readonly record struct BurstReservation(SimTime Start, SimTime End, SimTime Arrival);
