using SevTio.Cli.Attacks.Support;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 16: the host reads a guest's private page. Host reads are not RMP-checked (they return raw DRAM), so
/// what stops the leak is memory encryption: the page holds only ciphertext under the guest's key (XTS with the
/// physical address as tweak). The host's write to the same page takes an RMP #PF and changes nothing. Benign twin: a
/// page the guest shared is read back in plaintext, so the host's read path does work.
/// </summary>
public sealed class HostReadsPrivateAttack : Attack
{
    public HostReadsPrivateAttack()
        : base("host-reads-private", 16, AttackParty.MemoryEncryption, "The host reads (and tries to write) a guest private page: it must see ciphertext only, and its write must fault.")
    {
    }

    public override AttackOutcome Run(int seed)
    {
        using var rig = new LinkRig(seed);
        var canary = LeakScan.Canary(seed);
        var shared = LeakScan.Canary(seed, salt: 1);
        var details = new List<string>();
        var page = LinkRig.PrivateBase + 0x4000;
        rig.WriteGuest(page, canary);
        rig.Guest.Write(LinkRig.SharedBase, shared, encrypted: false);

        var benign = rig.ReadRaw(LinkRig.SharedBase, shared.Length).AsSpan().SequenceEqual(shared);
        details.Add($"benign twin: the host reads the guest's shared page 0x{LinkRig.SharedBase:X}: {(benign ? "plaintext, as shared" : "NOT readable")}");

        var raw = rig.ReadRaw(page, canary.Length);
        var sawPlaintext = raw.AsSpan().SequenceEqual(canary);
        details.Add($"host read of private page 0x{page:X}: {Convert.ToHexString(raw, 0, 16)}... ({(sawPlaintext ? "PLAINTEXT" : "ciphertext")})");

        var junk = new byte[32];
        var write = rig.Host.Write(page, junk);
        var committed = write.Succeeded || !rig.ReadGuest(page, canary.Length).AsSpan().SequenceEqual(canary);
        details.Add($"host write to the private page: {write}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = sawPlaintext ? AttackParty.None : AttackParty.MemoryEncryption,
            Answer = $"host sees ciphertext; its write: {(write.Succeeded ? "succeeded" : $"{write.Fault} ({write.Violation})")}",
            ForgedCommitted = committed,
            BenignAccepted = benign,
            Leaks = rig.FindLeaks(canary),
            Details = details,
        };
    }
}
