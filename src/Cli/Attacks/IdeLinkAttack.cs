using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Cli.Attacks;

/// <summary>What an attacker on the link does to the bound device's IDE-protected DMA writes (issue 10 items 1-5).</summary>
public enum IdeTamper
{
    /// <summary>Flips a bit of the (encrypted) payload.</summary>
    PayloadBit,

    /// <summary>Flips address bit 12 in the header: redirects the write to the next page.</summary>
    HeaderBit,

    /// <summary>Flips the T bit of the IDE prefix (TEE-originated → not).</summary>
    PrefixBit,

    /// <summary>Flips a bit of the MAC.</summary>
    MacBit,

    /// <summary>Delivers an earlier, already accepted TLP again.</summary>
    Replay,

    /// <summary>Drops one TLP and delivers the next.</summary>
    Drop,

    /// <summary>Swaps two TLPs of the posted sub-stream.</summary>
    Reorder,

    /// <summary>After a key refresh to K1, delivers a withheld TLP sealed under the retired K0.</summary>
    StaleKeySet,

    /// <summary>Flips a payload bit of the second TLP of a four-TLP MAC unit (aggregation 4, PCRC on).</summary>
    AggregatedPayloadBit,

    /// <summary>Holds a posted write back and delivers the read the device issued after it first (a read passing a write).</summary>
    ReadPassesWrite,
}

/// <summary>
/// Issue 10 items 1-5: the host (or anything on the link) tampers with, replays, drops, reorders or holds back the bound
/// device's IDE TLPs: T=1 writes of guest DMA data (the canary) into guest private pages. The root port's IDE receiver
/// must refuse: the MAC (over prefix, header and ciphertext) or the key-set check fails, the stream goes Insecure
/// (PCIe §6.33.8), and nothing the TLP carried, nor anything after it, is committed.
/// </summary>
public sealed class IdeLinkAttack : Attack
{
    private readonly IdeTamper _tamper;

    public IdeLinkAttack(string name, int item, IdeTamper tamper, string description)
        : base(name, item, AttackParty.RootPortIde, description)
    {
        _tamper = tamper;
    }

    public override AttackOutcome Run(int seed)
    {
        using var rig = _tamper == IdeTamper.AggregatedPayloadBit ? new LinkRig(seed, aggregation: 4, pcrc: true) : new LinkRig(seed);
        var canary = LeakScan.Canary(seed);
        var details = new List<string>();
        var a = LinkRig.PrivateBase;
        var b = LinkRig.PrivateBase + 0x1000;
        var c = LinkRig.PrivateBase + 0x2000;
        var before = Snapshot(rig, b, c);

        // The benign twin: one unmodified T=1 write of DMA data, which the guest must then read back.
        var first = Data(canary, 1);
        rig.Deliver(rig.Write(a, first));
        var benign = rig.ReadGuest(a, first.Length).AsSpan().SequenceEqual(first) && rig.RootStream.State == IdeStreamState.Secure;
        details.Add($"benign T=1 write of {first.Length} B to GPA 0x{a:X}: {(benign ? "verified and committed" : "NOT committed")}");

        var forged = Data(canary, 2);
        var later = Data(canary, 3);
        var committed4 = false;
        switch (_tamper)
        {
            case IdeTamper.PayloadBit:
            case IdeTamper.HeaderBit:
            case IdeTamper.PrefixBit:
            case IdeTamper.MacBit:
            {
                var tlp = rig.Write(b, forged);
                var where = Flip(tlp);
                details.Add($"flipped {where} of a T=1 write to 0x{b:X}");
                rig.Deliver(tlp);
                break;
            }

            case IdeTamper.Replay:
            {
                var original = rig.Write(b, forged);
                var copy = LinkRig.Copy(original);
                rig.Deliver(original);
                var newer = Data(canary, 4);
                rig.Deliver(rig.Write(b, newer));
                benign &= rig.ReadGuest(b, newer.Length).AsSpan().SequenceEqual(newer);
                before[0] = newer; // the replay must not bring the older data back
                details.Add($"two writes to 0x{b:X} accepted; replaying the first (counter already used)");
                rig.Deliver(copy);
                break;
            }

            case IdeTamper.Drop:
            {
                _ = rig.Write(c, later); // sealed by the device, never delivered
                details.Add("dropped a T=1 write to 0x" + c.ToString("X") + "; delivering the next one");
                rig.Deliver(rig.Write(b, forged));
                break;
            }

            case IdeTamper.Reorder:
            {
                var earlier = rig.Write(c, later);
                var next = rig.Write(b, forged);
                details.Add("swapped two posted T=1 writes (0x" + c.ToString("X") + " then 0x" + b.ToString("X") + ")");
                rig.Deliver(next);
                rig.Deliver(earlier);
                break;
            }

            case IdeTamper.StaleKeySet:
            {
                var held = rig.Write(b, forged); // sealed under K0, held back by the host
                rig.RefreshPostedKey();
                var fresh = Data(canary, 5);
                rig.Deliver(rig.Write(c, fresh));
                benign &= rig.ReadGuest(c, fresh.Length).AsSpan().SequenceEqual(fresh);
                before[1] = fresh;
                details.Add($"key refresh to K1: a K1 write to 0x{c:X} {(benign ? "accepted (K0 retired)" : "NOT accepted")}; delivering a withheld K0 write");
                rig.Deliver(held);
                break;
            }

            case IdeTamper.AggregatedPayloadBit:
            {
                // Four writes, one MAC: b, c, then two more pages; the second TLP's payload is altered.
                var targets = new[] { b, c, LinkRig.PrivateBase + 0x4000, LinkRig.PrivateBase + 0x5000 };
                var unit = new List<Tlp>();
                for (var i = 0; i < targets.Length; i++)
                {
                    unit.Add(rig.Write(targets[i], i == 0 ? forged : later, nextPayloadBytes: i < targets.Length - 1 ? 64 : -1));
                }

                unit[1].Payload[3] ^= 0x10;
                details.Add($"a 4-TLP MAC unit (M set only on the last: {string.Join(",", unit.Select(t => t.IdePrefix.MacPresent ? "M" : "-"))}); flipped a payload bit of the second");
                foreach (var tlp in unit)
                {
                    rig.Deliver(tlp);
                }

                committed4 = rig.ReadGuest(LinkRig.PrivateBase + 0x4000, 64).AsSpan().SequenceEqual(later) || rig.ReadGuest(LinkRig.PrivateBase + 0x5000, 64).AsSpan().SequenceEqual(later);
                break;
            }

            case IdeTamper.ReadPassesWrite:
            {
                var write = rig.Write(b, forged);
                var read = rig.Read(b, 64);
                details.Add($"the device writes 0x{b:X} then reads it back (PR_Sent_Counter {read.IdePrefix.PrSentCounter}); the host delivers the read first");
                rig.Deliver(read);
                rig.Deliver(write);
                break;
            }
        }

        var stream = rig.RootStream;
        var after = Snapshot(rig, b, c);
        var committed = committed4 || !after[0].AsSpan().SequenceEqual(before[0]) || !after[1].AsSpan().SequenceEqual(before[1]);

        // Nothing after the failure is accepted either (the stream stays Insecure until re-keyed).
        var afterwards = rig.Write(LinkRig.PrivateBase + 0x3000, Data(canary, 6));
        rig.Deliver(afterwards);
        committed |= rig.ReadGuest(LinkRig.PrivateBase + 0x3000, 64).AsSpan().SequenceEqual(Data(canary, 6));

        var failure = stream.FirstError?.Reason;
        var detected = stream.State != IdeStreamState.Secure && failure is not null ? AttackParty.RootPortIde : AttackParty.None;
        details.Add($"root port stream {stream.StreamId}: {stream.State}, first error {stream.FirstError?.ToString() ?? "none"}; TLPs dropped {stream.Statistics.TlpsDropped}");
        details.Add($"IOMMU events: {rig.Iommu.EventLog.Count} (a refused TLP never reaches the IOMMU)");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = detected,
            Answer = failure is { } f ? $"TLP dropped: {f}; stream {stream.State}" : $"accepted; stream {stream.State}",
            ForgedCommitted = committed,
            BenignAccepted = benign,
            Leaks = rig.FindLeaks(canary),
            Details = details,
            IdeFailure = failure,
            StreamState = stream.State,
            IommuEvents = rig.DrainEvents(),
        };
    }

    private string Flip(Tlp tlp)
    {
        switch (_tamper)
        {
            case IdeTamper.PayloadBit:
                tlp.Payload[5] ^= 0x04;
                return "payload bit 42";
            case IdeTamper.HeaderBit:
                // Byte 10 of a 3-DW memory request header holds address bits 15:8: bit 4 is address bit 12.
                tlp.HeaderBytes[10] ^= 0x10;
                return "header address bit 12";
            case IdeTamper.PrefixBit:
                tlp.Wire[tlp.Layout.IdePrefixOffset + 3] ^= 0x01;
                return "the IDE prefix's T bit";
            default:
                tlp.Mac[0] ^= 0x80;
                return "MAC bit 7";
        }
    }

    /// <summary>64 bytes of guest DMA data: the canary, then a marker of which write it is.</summary>
    private static byte[] Data(byte[] canary, byte which)
    {
        var data = new byte[64];
        canary.CopyTo(data, 0);
        data.AsSpan(32).Fill(which);
        return data;
    }

    private static byte[][] Snapshot(LinkRig rig, ulong b, ulong c) => [rig.ReadGuest(b, 64), rig.ReadGuest(c, 64)];
}
