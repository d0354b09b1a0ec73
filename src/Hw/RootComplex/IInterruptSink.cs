namespace SevTio.Hw.RootComplex;

/// <summary>
/// Receives the MSI/MSI-X messages a root port decodes (memory writes into the interrupt window, 0xFEE0_0000 to
/// 0xFEEF_FFFF), at the simulated time they arrive. The platform's interrupt controller; tests collect them.
/// </summary>
public interface IInterruptSink
{
    void OnMessageSignalledInterrupt(ushort requesterId, ulong address, uint data, bool teeOriginated);
}
