using SevTio.Cli.Attacks.Support;
using SevTio.Guest;
using SevTio.Protocols.Tdisp;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 12: the hypervisor carries the SNP guest messages (VMPCK-sealed, sequence-numbered) between the guest
/// and the PSP. Replaying the guest's previous request to the PSP must be refused by the PSP's message layer (the
/// sequence number is not the next one; the PSP answers INVALID_PARAM and seals nothing); handing the guest the PSP's
/// previous response instead of the current one (messages out of order) must be refused by the guest's message layer
/// (the response's sequence number is not request + 1; the guest wipes its VMPCK, Linux <c>snp_disable_vmpck</c>).
/// Either way <c>tsm/accept</c> fails and the TDI does not run with the guest's trust.
/// </summary>
public sealed class GuestMessageAttack : Attack
{
    private readonly bool _replayRequest;

    public GuestMessageAttack(string name, bool replayRequest, string description)
        : base(name, 12, replayRequest ? AttackParty.PspGuestMessages : AttackParty.GuestMessageLayer, description)
    {
        _replayRequest = replayRequest;
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        using var rig = new TrustRig(seed);
        rig.PlantCanary(canary);

        // The benign twin: the lock's own TIO_MSG_TDI_INFO round trip, relayed faithfully.
        var lockError = rig.Write("lock", "tsm0");
        var sent = rig.Kernel.Messages.RequestsSent;
        var benign = lockError == Errno.None && sent > 0 && !rig.Kernel.Messages.IsDisabled;
        details.Add($"benign twin: lock {lockError} after {sent} guest message(s); evidence {rig.Read("evidence").Trim()}");

        var refusedBefore = rig.Psp.Counters.GuestRequestsRefused;
        var answeredBefore = rig.Psp.Counters.GuestRequests;
        if (_replayRequest)
        {
            rig.Misbehaviour.ReplayPreviousGuestRequest = true;
            details.Add("the host forwards the guest's previous request page to the PSP instead of the new one");
        }
        else
        {
            rig.Misbehaviour.ReplayPreviousGuestResponse = true;
            details.Add("the host hands the guest the PSP's previous response page instead of the new one");
        }

        var acceptError = rig.Write("accept", "1");
        var refused = rig.Psp.Counters.GuestRequestsRefused - refusedBefore;
        var answered = rig.Psp.Counters.GuestRequests - answeredBefore;
        var disabled = rig.Kernel.Messages.IsDisabled;
        var state = rig.Device.Tdi.State;
        var sdte = rig.Iommu.ReadSecureDeviceTableEntry(TrustDevice.Bdf).Valid;
        details.Add($"accept {acceptError}; PSP refused {refused}, answered {answered}; guest VMPCK {(disabled ? "wiped" : "kept")}; TDI {state}; sDTE valid {sdte}");
        var detected = _replayRequest
            ? (refused > 0 ? AttackParty.PspGuestMessages : AttackParty.None)
            : (disabled && refused == 0 ? AttackParty.GuestMessageLayer : AttackParty.None);
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = acceptError != Errno.None ? detected : AttackParty.None,
            Answer = _replayRequest ? $"PSP refused the replay ({refused} refused); accept {acceptError}" : $"guest refused the response, VMPCK {(disabled ? "wiped" : "kept")}; accept {acceptError}",
            // Forged = something acted on the replayed or out-of-order message: the PSP answering the replay, or the
            // guest going on with accept. (A genuine SDTE_WRITE the PSP executed before the host withheld its response
            // stays in effect: the guest cannot know, and fails closed with its VMPCK wiped, as Linux does.)
            ForgedCommitted = acceptError == Errno.None || (_replayRequest && refused == 0),
            BenignAccepted = benign,
            Leaks = rig.FindGuestLeaks(canary),
            Details = details,
            Errno = acceptError.ToString(),
        };
    }
}
