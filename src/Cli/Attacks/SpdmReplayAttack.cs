using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Ide;
using SevTio.Protocols.Doe;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 10, replay variant: after DEV_CONNECT the hypervisor, which owns the DOE mailbox, sends the device
/// again every secured SPDM request it relayed during the connect (IDE_KM KEY_PROG, K_SET_GO, ...). Were the device to
/// accept a replayed KEY_PROG, the host could make it restart a key's invocation counter (AES-GCM nonce reuse) or roll
/// keys back. The device's secured-session layer must refuse each (DSP0277: per-direction sequence numbers feed the
/// AEAD nonce, so a replayed record does not authenticate; the responder may drop it silently); no key slot may be
/// written, and the session must still carry the next genuine exchange.
/// </summary>
public sealed class SpdmReplayAttack : Attack
{
    public SpdmReplayAttack()
        : base("spdm-replay", 10, AttackParty.DeviceSecuredSession, "The hypervisor replays the secured SPDM requests of DEV_CONNECT (IDE_KM KEY_PROG, K_SET_GO) to the device.")
    {
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        using var rig = new TrustRig(seed);
        rig.PlantCanary(canary);
        var keys = rig.Device.Keys.Keys.Count;
        var benign = rig.Link.IsConnected && keys > 0 && rig.Device.Ide.Streams[0].State == IdeStreamState.Secure;
        details.Add($"benign twin: the relayed connect programmed {keys} keys; device stream {rig.Device.Ide.Streams[0].State}");

        var secured = rig.Link.RelayLog.Where(e => e.Request.Length >= DoeDataObjectHeader.Size && DoeDataObject.Decode(e.Request, out _).DataObjectType == DoeDataObjectType.SecuredSpdm).Select(e => e.Request).ToList();
        var answered = 0;
        var errors = 0;
        var silent = 0;
        foreach (var request in secured)
        {
            var reply = rig.Device.Responder.Respond(request);
            if (reply is null)
            {
                silent++;
                continue;
            }

            // A reply the device could seal would be a secured object; an SPDM ERROR (DecryptError) is a plain one.
            if (DoeDataObject.Decode(reply, out var payload).DataObjectType == DoeDataObjectType.SecuredSpdm)
            {
                answered++;
            }
            else if (payload.Length >= 2 && payload[1] == 0x7F)
            {
                errors++;
            }
            else
            {
                details.Add($"unexpected reply: {Convert.ToHexString(reply.AsSpan(0, Math.Min(reply.Length, 16)))}");
            }
        }

        var reprogrammed = rig.Device.Keys.Keys.Count - keys;
        details.Add($"replayed {secured.Count} secured requests: {answered} answered under the session, {errors} SPDM ERROR, {silent} dropped silently, {reprogrammed} key slot writes");
        details.Add($"device stream after: {rig.Device.Ide.Streams[0].State}; root port stream {rig.Device.RootPort.Streams[0].State}");

        // The session the replays were aimed at is still the live one: the next genuine secured exchange (TDISP LOCK
        // and the report, through the guest's lock) works, so the replays failed authentication, not a dead session.
        var lockError = rig.Write("lock", "tsm0");
        benign &= lockError == Guest.Errno.None;
        details.Add($"then the guest's lock over the same session: {lockError}, TDI {rig.Device.Tdi.State}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = secured.Count > 0 && answered == 0 && reprogrammed == 0 ? AttackParty.DeviceSecuredSession : AttackParty.None,
            Answer = $"{secured.Count} replays: {answered} accepted, {errors} SPDM ERROR, {silent} dropped, {reprogrammed} keys written",
            ForgedCommitted = reprogrammed > 0 || answered > 0,
            BenignAccepted = benign,
            Leaks = rig.FindGuestLeaks(canary),
            Details = details,
        };
    }
}
