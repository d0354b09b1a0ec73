using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>
/// The outcome of a CPU memory access: done, or the fault it took (nothing was written), with the RMP check that failed,
/// the faulting address (GPA for a guest, system physical address for the host) and the simulated time spent.
/// </summary>
public readonly record struct CpuAccessResult(CpuFault Fault, RmpViolation Violation, ulong FaultAddress, SimTime Latency)
{
    public bool Succeeded => Fault == CpuFault.None;

    public override string ToString() => Succeeded ? $"ok in {Latency}" : $"{Fault} ({Violation}) at 0x{FaultAddress:X}";
}
