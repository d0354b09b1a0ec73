using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Protocols.Psp;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 15: the host searches every buffer it can read for the IDE keys, after DEV_CONNECT and after a key
/// refresh (TIO_ROLL_KEY): all of raw memory (its own pages, shared pages, the SPDM request/response/scratch/output
/// buffers, status pages), the DOE traffic it relayed, and the blobs it holds. The PSP sends KEY_PROG only inside the
/// SPDM secured session and programs the root port directly, so no key may appear. The keys searched for are the ones
/// the device actually received (its key slots are tapped); the benign twin is that those keys exist and the streams
/// are Secure, so the search has something real to find.
/// </summary>
public sealed class IdeKeySearchAttack : Attack
{
    private readonly bool _afterRefresh;

    public IdeKeySearchAttack(string name, bool afterRefresh, string description)
        : base(name, 15, AttackParty.SecuredSpdmSession, description)
    {
        _afterRefresh = afterRefresh;
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        using var rig = new TrustRig(seed);
        var keysAtConnect = rig.Device.Keys.Keys.Count;
        details.Add($"connect: the device received {keysAtConnect} IDE keys; root port stream {rig.Device.RootPort.Streams[0].State}");
        var status = PspReturnCode.Success;
        if (_afterRefresh)
        {
            status = rig.Link.RollKey();
            details.Add($"TIO_ROLL_KEY: {status}; the device received {rig.Device.Keys.Keys.Count - keysAtConnect} new keys");
        }

        var keys = _afterRefresh ? rig.Device.Keys.Keys.Skip(keysAtConnect).ToList() : rig.Device.Keys.Keys.ToList();

        // A refresh that handed out an old key again would restart its invocation counter: AES-GCM nonce reuse.
        var reused = _afterRefresh ? keys.Count(k => rig.Device.Keys.Keys.Take(keysAtConnect).Any(old => old.AsSpan().SequenceEqual(k))) : 0;
        var distinct = keys.Select(Convert.ToHexString).Distinct().Count();
        details.Add($"{keys.Count} keys, {distinct} distinct{(_afterRefresh ? $", {reused} equal to a key of the connect" : string.Empty)}");
        // The keys work: a write the device seals verifies at the root port (the two ends got matching keys).
        var probe = new Tlp();
        var data = new byte[32];
        probe.Encode(TlpHeader.MemoryWrite(TrustDevice.Bdf, 0x1000, data.Length), data);
        var sealStatus = rig.Device.Ide.Streams[0].Seal(probe, -1, teeOriginated: true);
        var received = sealStatus == IdeSealStatus.Sealed ? rig.Device.RootPort.Streams[0].Open(probe, new byte[64]) : IdeReceiveStatus.Dropped;
        details.Add($"a T=1 write sealed by the device ({sealStatus}) at the root port: {received}");
        var benign = status == PspReturnCode.Success && keys.Count > 0 && reused == 0 && distinct == keys.Count && received == IdeReceiveStatus.Verified
            && rig.Device.RootPort.Streams[0].State == IdeStreamState.Secure && rig.Device.Ide.Streams[0].State == IdeStreamState.Secure;
        var leaks = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            // Half a key is already a break (and catches a key split across two places).
            foreach (var leak in rig.FindLeaks(keys[i].AsSpan(0, 16)).Concat(rig.FindLeaks(keys[i].AsSpan(16, 16))))
            {
                leaks.Add($"key #{i}: {leak}");
            }
        }

        details.Add($"searched {keys.Count} keys in {rig.Memory.TouchedPages} touched pages, {rig.Link.RelayLog.Count} DOE exchanges and the host's blobs: {leaks.Count} hits");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = leaks.Count == 0 ? AttackParty.SecuredSpdmSession : AttackParty.None,
            Answer = leaks.Count == 0 ? $"no key bytes in any host-readable buffer ({keys.Count} keys searched)" : $"{leaks.Count} key hits",
            ForgedCommitted = false,
            BenignAccepted = benign,
            Leaks = leaks,
            Details = details,
            Status = status.ToString(),
        };
    }
}
