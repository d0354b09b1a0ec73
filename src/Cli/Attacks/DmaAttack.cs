using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Iommu;

namespace SevTio.Cli.Attacks;

/// <summary>Which illegal DMA the device (or the host that programs it) tries (issue 10 items 6-9).</summary>
public enum DmaMisuse
{
    /// <summary>The bound device issues T=1 DMA before the PSP wrote its sDTE (TDI not accepted).</summary>
    TeeWithoutSdte,

    /// <summary>A second device, connected but bound to no guest, issues T=1 DMA.</summary>
    TeeFromUnboundDevice,

    /// <summary>A second device, connected but bound to no guest, issues T=1 DMA with the bound device's requester id on its own stream.</summary>
    TeeWithSpoofedRequester,

    /// <summary>T=0 (untrusted) DMA at a guest-private page.</summary>
    NonTeeToPrivatePage,

    /// <summary>T=1 DMA above vTOM (the shared alias) at a page that is private.</summary>
    AboveVTomToPrivatePage,

    /// <summary>T=1 DMA below vTOM at a GPA the host mapped onto another guest's page.</summary>
    OtherGuestsPage,

    /// <summary>T=1 DMA at a page the host assigned to the guest but the guest never validated.</summary>
    UnvalidatedPage,

    /// <summary>T=1 DMA at a GPA the host mapped onto a guest page validated at a different GPA.</summary>
    GpaMismatch,
}

/// <summary>
/// Issue 10 items 6-9: DMA that the IOMMU (sDTE, device table) or the RMP check it applies must refuse. Each run first
/// sends the benign twin (the same write to a target it may reach), then the attack; the refused write must leave the
/// target's bytes as they were, and the IOMMU event log must hold the fault with the requester and the address.
/// </summary>
public sealed class DmaAttack : Attack
{
    /// <summary>A guest-physical address the host maps onto a page it does not own (other guest, wrong GPA).</summary>
    public const ulong AliasGpa = 0x0B00_0000;

    /// <summary>A page the host assigns to guest 1 without the guest validating it.</summary>
    public const ulong UnvalidatedPage = 0x0C00_0000;

    private readonly DmaMisuse _misuse;

    public DmaAttack(string name, int item, AttackParty mustStop, DmaMisuse misuse, string description)
        : base(name, item, mustStop, description)
    {
        _misuse = misuse;
    }

    /// <summary>The DMA address the attack uses (what the IOMMU event must name).</summary>
    public ulong AttackAddress => _misuse switch
    {
        DmaMisuse.AboveVTomToPrivatePage => LinkRig.VTom + LinkRig.PrivateBase + 0x1000,
        DmaMisuse.OtherGuestsPage or DmaMisuse.GpaMismatch => AliasGpa,
        DmaMisuse.UnvalidatedPage => UnvalidatedPage,
        _ => LinkRig.PrivateBase + 0x1000,
    };

    /// <summary>The requester the attack's TLP carries.</summary>
    public ushort AttackRequester => _misuse == DmaMisuse.TeeFromUnboundDevice ? LinkRig.SecondDeviceRid : LinkRig.DeviceRid;

    /// <summary>The device whose link and IDE stream carry the attack's TLP.</summary>
    private bool FromSecondDevice => _misuse is DmaMisuse.TeeFromUnboundDevice or DmaMisuse.TeeWithSpoofedRequester;

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        var forged = new byte[64];
        new Random(seed).NextBytes(forged);

        // The benign twin: T=1 without an sDTE is judged on a twin platform where the PSP did write it.
        bool benign;
        if (_misuse == DmaMisuse.TeeWithoutSdte)
        {
            using var twin = new LinkRig(seed);
            benign = TryWrite(twin, LinkRig.PrivateBase + 0x1000, forged, tee: true, details, "benign twin (sDTE written)");
        }
        else
        {
            benign = true;
        }

        using var rig = new LinkRig(seed, writeSdte: _misuse != DmaMisuse.TeeWithoutSdte);

        // The guest's secret in the page the attack aims at (guest 2's for the other-guest case).
        var targetHpa = LinkRig.PrivateBase + 0x1000;
        switch (_misuse)
        {
            case DmaMisuse.OtherGuestsPage:
                targetHpa = LinkRig.OtherGuestBase;
                rig.WriteGuest(LinkRig.OtherGuestBase, canary, rig.OtherGuest);
                rig.GuestMap.Map(AliasGpa, LinkRig.OtherGuestBase); // the host's nested page table, under its control
                break;
            case DmaMisuse.GpaMismatch:
                rig.WriteGuest(targetHpa, canary);
                rig.GuestMap.Map(AliasGpa, targetHpa); // validated at PrivateBase + 0x1000, now also mapped at AliasGpa
                break;
            case DmaMisuse.UnvalidatedPage:
                targetHpa = UnvalidatedPage;
                rig.Rmp.RmpUpdate(UnvalidatedPage, Hw.Rmp.RmpUpdateState.Guest(LinkRig.GuestAsid, UnvalidatedPage));
                rig.GuestMap.Map(UnvalidatedPage, UnvalidatedPage);
                rig.WriteGuest(LinkRig.PrivateBase + 0x1000, canary);
                break;
            default:
                rig.WriteGuest(targetHpa, canary);
                break;
        }

        // Benign twins on the same platform: the same kind of write to a target it may reach.
        switch (_misuse)
        {
            case DmaMisuse.TeeFromUnboundDevice:
            case DmaMisuse.TeeWithSpoofedRequester:
                benign = TryWrite(rig, LinkRig.PrivateBase + 0x2000, forged, tee: true, details, "benign twin from the bound device");
                break;
            case DmaMisuse.NonTeeToPrivatePage:
                benign = TryWrite(rig, LinkRig.SharedBase, forged, tee: false, details, "benign twin: T=0 to a shared page");
                break;
            case DmaMisuse.AboveVTomToPrivatePage:
                benign = TryWrite(rig, LinkRig.VTom + LinkRig.SharedBase, forged, tee: true, details, "benign twin: T=1 above vTOM to a shared page");
                break;
            case DmaMisuse.OtherGuestsPage:
            case DmaMisuse.UnvalidatedPage:
            case DmaMisuse.GpaMismatch:
                benign = TryWrite(rig, LinkRig.PrivateBase + 0x2000, forged, tee: true, details, "benign twin: T=1 to a validated private page");
                break;
        }

        rig.DrainEvents();
        var before = rig.ReadRaw(targetHpa, 4096);
        var tlp = _misuse switch
        {
            DmaMisuse.TeeFromUnboundDevice => rig.Write(AttackAddress, forged, tee: true, device: rig.SecondDevice),
            DmaMisuse.TeeWithSpoofedRequester => rig.Write(AttackAddress, forged, tee: true, device: rig.SecondDevice, requesterId: LinkRig.DeviceRid),
            DmaMisuse.NonTeeToPrivatePage => rig.Write(AttackAddress, forged, tee: false, ide: false),
            _ => rig.Write(AttackAddress, forged, tee: true),
        };
        details.Add($"attack: {(tlp.IsTeeOriginated ? "T=1" : "T=0")} write of {forged.Length} B as requester {AttackRequester:X4}{(FromSecondDevice ? $" from the second device on stream {LinkRig.SecondStreamId}" : string.Empty)} to 0x{AttackAddress:X}");
        rig.Deliver(tlp);
        var committed = !rig.ReadRaw(targetHpa, 4096).AsSpan().SequenceEqual(before);
        var events = rig.DrainEvents();
        foreach (var e in events)
        {
            details.Add("IOMMU event: " + e);
        }

        var detected = events.Count == 0 ? AttackParty.None
            : events[0].Code == IommuEventCode.RmpPageFault ? AttackParty.Rmp
            : AttackParty.Iommu;
        details.Add($"root port: writes dropped {rig.RootPort.Counters.WritesDropped}; IDE stream {rig.RootStream.State}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = detected,
            Answer = events.Count == 0 ? "write committed" : $"write dropped: {events[0].Code}" + (events[0].Code == IommuEventCode.RmpPageFault ? $" ({events[0].RmpViolation})" : string.Empty),
            ForgedCommitted = committed,
            BenignAccepted = benign,
            Leaks = rig.FindLeaks(canary),
            Details = details,
            StreamState = rig.RootStream.State,
            IommuEvents = events,
        };
    }

    private static bool TryWrite(LinkRig rig, ulong address, byte[] data, bool tee, List<string> details, string what)
    {
        var dropped = rig.RootPort.Counters.WritesDropped;
        rig.Deliver(rig.Write(address, data, tee, ide: tee));
        var ok = rig.RootPort.Counters.WritesDropped == dropped && rig.Iommu.EventLog.Count == 0;
        details.Add($"{what} (0x{address:X}): {(ok ? "committed" : "refused")}");
        rig.DrainEvents();
        return ok;
    }
}
