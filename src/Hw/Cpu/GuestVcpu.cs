using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Cpu;

/// <summary>
/// A virtual CPU of an SEV-SNP guest, as far as the model needs one: what the guest kernel can touch (its own memory
/// view with the C-bit, PVALIDATE through that view) and the VMGEXIT instruction, which hands control to the hypervisor
/// through the GHCB page whose guest-physical address the guest registered (the GHCB MSR protocol).
/// </summary>
/// <remarks>
/// Time is loosely timed: each world switch charges <see cref="WorldSwitchCost"/> on the shared scheduler, so device
/// traffic keeps flowing while the guest waits for the host.
/// </remarks>
public sealed class GuestVcpu
{
    public GuestVcpu(int asid, GuestMemoryView memory, Scheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(scheduler);
        Asid = asid;
        Memory = memory;
        Scheduler = scheduler;
    }

    public int Asid { get; }

    /// <summary>The guest's memory: guest-physical addresses, private (C-bit) or shared accesses, RMP-checked.</summary>
    public GuestMemoryView Memory { get; }

    public Scheduler Scheduler { get; }

    /// <summary>The guest-physical address of the GHCB page the guest registered (0 = none).</summary>
    public ulong GhcbGpa { get; set; }

    /// <summary>Hypervisor features the host advertised through the GHCB MSR protocol (bit 7 = SEV-TIO).</summary>
    public ulong HypervisorFeatures { get; set; }

    /// <summary>The hypervisor that receives this vCPU's exits; wired when the host launches the guest.</summary>
    public IVmgExitHandler? Hypervisor { get; set; }

    /// <summary>Cost of one world switch (guest to host or back): VMGEXIT, VMRUN, state save and restore.</summary>
    public SimTime WorldSwitchCost { get; init; } = SimTime.FromNanoseconds(1_000);

    /// <summary>Exits taken so far.</summary>
    public long Exits { get; private set; }

    /// <summary>Simulated time spent in world switches and in the hypervisor's handling of this vCPU's exits.</summary>
    public SimTime TimeInExits { get; private set; }

    /// <summary>VMGEXIT: the GHCB must already hold the request; returns when the hypervisor resumed the guest.</summary>
    public void VmgExit()
    {
        var handler = Hypervisor ?? throw new InvalidOperationException("VMGEXIT with no hypervisor attached to this vCPU");
        if (GhcbGpa == 0)
        {
            throw new InvalidOperationException("VMGEXIT before the guest registered a GHCB page");
        }

        var start = Scheduler.Now;
        Exits++;
        Scheduler.Advance(WorldSwitchCost);
        handler.HandleVmgExit(this);
        Scheduler.Advance(WorldSwitchCost);
        TimeInExits += Scheduler.Now - start;
    }
}
