using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>
/// The platform's interrupt controller (a stand-in for the IOAPIC/x2APIC path): takes the MSI/MSI-X messages the root
/// port decodes and hands them to whoever listens (the guest driver), at the simulated time they arrive.
/// </summary>
public sealed class InterruptController : IInterruptSink
{
    private readonly Scheduler _scheduler;

    public InterruptController(Scheduler scheduler) => _scheduler = scheduler;

    public long Delivered { get; private set; }

    public event Action<MessageSignalledInterrupt>? Interrupt;

    public void OnMessageSignalledInterrupt(ushort requesterId, ulong address, uint data, bool teeOriginated)
    {
        Delivered++;
        Interrupt?.Invoke(new MessageSignalledInterrupt(requesterId, address, data, teeOriginated, _scheduler.Now));
    }
}
