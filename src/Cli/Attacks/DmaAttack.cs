using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;

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

    /// <summary>A T=0 (untrusted) DMA read of a guest-private page: the completion must carry no data.</summary>
    NonTeeReadOfPrivatePage,

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
            case DmaMisuse.NonTeeReadOfPrivatePage:
            {
                rig.Guest.Write(LinkRig.SharedBase, forged, encrypted: false);
                var cpl = ReadOnce(rig, LinkRig.SharedBase);
                benign = cpl is { } c && c.Header.Status == CompletionStatus.SuccessfulCompletion && c.Payload.SequenceEqual(forged);
                details.Add($"benign twin: T=0 read of a shared page: {(cpl is null ? "no completion" : cpl.Header.ToString())}");
                rig.DrainEvents();
                break;
            }
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
        if (_misuse == DmaMisuse.NonTeeReadOfPrivatePage)
        {
            return ReadAttack(rig, canary, benign, details);
        }

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

    private AttackOutcome ReadAttack(LinkRig rig, byte[] canary, bool benign, List<string> details)
    {
        var cpl = ReadOnce(rig, AttackAddress);
        details.Add($"attack: T=0 read of 64 B at private 0x{AttackAddress:X}: {(cpl is null ? "no completion" : cpl.Header.ToString())}");
        var events = rig.DrainEvents();
        foreach (var e in events)
        {
            details.Add("IOMMU event: " + e);
        }

        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = events.Count > 0 && events[0].Code == IommuEventCode.RmpPageFault ? AttackParty.Rmp : events.Count > 0 ? AttackParty.Iommu : AttackParty.None,
            Answer = cpl is null ? "no completion" : $"completion {cpl.Header.Status}, {cpl.Header.PayloadBytes} B of data",
            ForgedCommitted = cpl is null || cpl.Header.PayloadBytes > 0,
            BenignAccepted = benign,
            Leaks = rig.FindLeaks(canary),
            Details = details,
            StreamState = rig.RootStream.State,
            IommuEvents = events,
        };
    }

    /// <summary>A plain (T=0, no IDE) 64-byte read from the bound device; runs the simulation until its completion is on the wire.</summary>
    private static Tlp? ReadOnce(LinkRig rig, ulong address)
    {
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryRead(LinkRig.DeviceRid, 7, address, 64), default);
        var count = rig.Completions.Count;
        rig.Deliver(tlp);
        rig.Scheduler.RunUntilIdle();
        return rig.Completions.Count > count ? rig.Completions[count] : null;
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
