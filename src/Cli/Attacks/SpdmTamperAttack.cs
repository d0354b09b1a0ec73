using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Ide;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Psp;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 10: the hypervisor relays SPDM between the PSP and the device's DOE mailbox and alters a message in
/// transit during DEV_CONNECT. Two cases in one run: a byte of the device's KEY_EXCHANGE_RSP (its RandomData, which the
/// responder's signature covers through the transcript), and a byte of the first secured message the device answers (AEAD under the session keys). The PSP,
/// as SPDM requester, must refuse both: DEV_CONNECT fails with SPDM_ERROR, no IDE key reaches the root port, no stream
/// is enabled. Benign twin: the same connect relayed faithfully succeeds.
/// </summary>
public sealed class SpdmTamperAttack : Attack
{
    public SpdmTamperAttack()
        : base("spdm-tamper", 10, AttackParty.PspSpdmRequester, "The hypervisor alters the device's KEY_EXCHANGE_RSP, then (on a fresh platform) a secured SPDM response, in transit.")
    {
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        bool benign;
        using (var twin = new TrustRig(seed))
        {
            benign = twin.Link.IsConnected && twin.Device.RootPort.Streams[0].State == IdeStreamState.Secure;
            details.Add($"benign twin: connect {twin.Link.LastStatus}; root port stream {twin.Device.RootPort.Streams[0].State}");
        }

        var statuses = new List<PspReturnCode>();
        var committed = false;
        var leaks = new List<string>();
        foreach (var secured in new[] { false, true })
        {
            using var rig = new TrustRig(seed, connect: false);
            rig.PlantCanary(canary);
            var tampered = false;
            rig.Misbehaviour.AlterDoeResponse = (_, reply) =>
            {
                if (tampered || reply.Length < 16)
                {
                    return reply;
                }

                var type = DoeDataObject.Decode(reply, out var payload).DataObjectType;
                var hit = secured ? type == DoeDataObjectType.SecuredSpdm : type == DoeDataObjectType.Spdm && payload.Length > 4 && payload[1] == 0x64;
                if (!hit)
                {
                    return reply;
                }

                tampered = true;
                // KEY_EXCHANGE_RSP: byte 20 lies in RandomData (offset 12, 32 bytes), which the responder's signature
                // covers through the transcript. A secured message: a byte of the ciphertext, under the AEAD tag.
                var altered = (byte[])reply.Clone();
                altered[DoeDataObjectHeader.Size + (secured ? payload.Length / 2 : 20)] ^= 0x01;
                return altered;
            };
            var status = rig.Link.Connect();
            statuses.Add(status);
            var rootStream = rig.Device.RootPort.Streams[0];
            var keysArmed = rootStream.GetKeyState(IdeSubstream.Posted, IdeDirection.Receive, IdeKeySet.K0).Armed;
            committed |= status == PspReturnCode.Success || rootStream.State == IdeStreamState.Secure || rootStream.IsEnabled || keysArmed;
            details.Add($"{(secured ? "secured response" : "KEY_EXCHANGE_RSP")} altered ({(tampered ? "done" : "NOT FOUND")}): connect {status}; PSP: {rig.Psp.LastDeviceFailure ?? "no failure recorded"}; root port stream {rootStream.State}, enabled {rootStream.IsEnabled}, K0 armed {keysArmed}");
            leaks.AddRange(rig.FindGuestLeaks(canary));
            if (!tampered)
            {
                statuses[^1] = PspReturnCode.Success;
                committed = true;
            }
        }

        var refused = statuses.TrueForAll(s => s == PspReturnCode.SpdmError);
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = refused ? AttackParty.PspSpdmRequester : AttackParty.None,
            Answer = "DEV_CONNECT " + string.Join(", ", statuses),
            ForgedCommitted = committed,
            BenignAccepted = benign,
            Leaks = leaks,
            Details = details,
            Status = string.Join(",", statuses),
        };
    }
}
