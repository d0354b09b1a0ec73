using SevTio.Guest.Cpu;
using SevTio.Guest.Ghcb;
using SevTio.Guest.Memory;
using SevTio.Guest.Messaging;
using SevTio.Guest.Pci;
using SevTio.Hw.Cpu;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Tsm;

/// <summary>
/// The <c>sev-guest</c> driver's TSM (seed tio.c): a "devsec" TSM registered as <c>tsmN</c> when the hypervisor
/// advertises SEV-TIO (GHCB hypervisor feature bit 7) and <c>tsm_enable</c> is on. It implements the PCI TSM devsec
/// operations lock, accept and unlock with the kernel's preconditions (pci/tsm.c <c>lock_store</c>,
/// <c>accept_store</c>, <c>unlock_store</c>): a bound driver answers EBUSY, an operation the state does not allow EINVAL.
/// </summary>
public sealed class SevGuestTsm
{
    /// <summary>The <c>pci_mode</c> of a guest TSM.</summary>
    public const string PciMode = "devsec";

    internal SevGuestTsm(
        string name,
        GhcbClient ghcb,
        SnpGuestChannel channel,
        SharedPageAllocator sharedPages,
        GuestCpuTiming timing,
        GuestCpuAccounting accounting,
        GuestLog log,
        SevGuestTsmOptions options)
    {
        Name = name;
        Ghcb = ghcb;
        Channel = channel;
        SharedPages = sharedPages;
        Timing = timing;
        Accounting = accounting;
        Log = log;
        Options = options;
    }

    /// <summary>The TSM's name, <c>tsm0</c> for the first.</summary>
    public string Name { get; }

    public SevGuestTsmOptions Options { get; }

    internal GhcbClient Ghcb { get; }

    internal SnpGuestChannel Channel { get; }

    internal SharedPageAllocator SharedPages { get; }

    internal GuestCpuTiming Timing { get; }

    internal GuestCpuAccounting Accounting { get; }

    internal GuestLog Log { get; }

    internal GuestVcpu Vcpu => Ghcb.Vcpu;

    internal Scheduler Scheduler => Ghcb.Vcpu.Scheduler;

    /// <summary>Whether the hypervisor features (GHCB MSR protocol) advertise SEV-TIO.</summary>
    public static bool IsAdvertised(ulong hypervisorFeatures) => (hypervisorFeatures & (ulong)GhcbHypervisorFeatures.SnpSevTio) != 0;

    /// <summary>Lock (<c>echo tsm0 &gt; tsm/lock</c>): EBUSY if already locked or a driver is bound, ENODEV if not TEE-IO capable.</summary>
    public Errno Lock(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Tsm is not null || device.Driver is not null)
        {
            return Errno.EBUSY;
        }

        if (!device.HasTee)
        {
            return Errno.ENODEV;
        }

        var tdi = new TioDevice(this, device);
        var error = tdi.Lock();
        if (error == Errno.None)
        {
            device.Tsm = tdi;
        }

        return error;
    }

    /// <summary>Accept (<c>echo 1 &gt; tsm/accept</c>): EINVAL without a lock, EBUSY while a driver is bound.</summary>
    public Errno Accept(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Tsm is not { } tdi)
        {
            return Errno.EINVAL;
        }

        return device.Driver is not null ? Errno.EBUSY : tdi.Accept();
    }

    /// <summary>Unlock (<c>echo tsm0 &gt; tsm/unlock</c>): EINVAL without a lock, EBUSY while a driver is bound.</summary>
    public Errno Unlock(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Tsm is not { } tdi)
        {
            return Errno.EINVAL;
        }

        if (device.Driver is not null)
        {
            return Errno.EBUSY;
        }

        tdi.Unlock();
        device.Tsm = null;
        return Errno.None;
    }

    internal void ChargeDigest(long bytes)
    {
        var cost = Timing.Sha384Cost(bytes);
        Scheduler.Advance(cost);
        Accounting._digestTime += cost;
    }

    internal void ChargeCopy(long bytes) => Scheduler.Advance(Timing.CopyCost(bytes));
}
