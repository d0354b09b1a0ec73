using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>An MSI/MSI-X message as the platform's interrupt controller received it.</summary>
public readonly record struct MessageSignalledInterrupt(ushort RequesterId, ulong Address, uint Data, bool TeeOriginated, SimTime At);
