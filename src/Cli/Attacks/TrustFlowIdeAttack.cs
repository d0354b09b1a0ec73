using SevTio.Cli.Attacks.Support;
using SevTio.Cli.Platform;
using SevTio.Guest;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 1 on the whole platform (<see cref="TioPlatform"/>): the trust flow runs for real (the PSP keys the
/// stream over SPDM/IDE_KM, writes the sDTE with the stream it keyed, the guest locks and accepts), then the device's
/// T=1 DMA write of guest data into a private page is sent twice: unmodified (committed) and with a payload bit flipped
/// on the link (the root port's IDE receiver drops it, the stream goes Insecure, the page keeps the first data).
/// </summary>
public sealed class TrustFlowIdeAttack : Attack
{
    public TrustFlowIdeAttack()
        : base("flow-ide-bitflip", 1, AttackParty.RootPortIde, "On the whole platform after lock and accept: the device's T=1 DMA write with a payload bit flipped on the link.")
    {
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        using var platform = WholePlatform.Create(seed);
        var lockError = platform.WriteTsm("lock", "tsm0");
        var acceptError = platform.WriteTsm("accept", "1");
        details.Add($"trust flow: lock {lockError}, accept {acceptError}; TDI {platform.Tdi.State}; sDTE stream {platform.Iommu.ReadSecureDeviceTableEntry(TioPlatform.DeviceBdf).GetIdeStreamId(0)}");
        if (!platform.Kernel.Ram.TryAllocate(1, out var gpa))
        {
            throw new InvalidOperationException("attack: no guest page");
        }

        var canary = LeakScan.Canary(seed);
        var first = new byte[64];
        canary.CopyTo(first, 0);
        var second = (byte[])first.Clone();
        second.AsSpan(32).Fill(0x5A);
        var wire = new List<byte[]>();
        var stream = platform.RootPort.Ide.FindStream(TioPlatform.StreamId)!;

        Deliver(platform, Seal(platform, gpa, first), wire);
        var read = new byte[64];
        var readable = platform.Guest.Memory.Read(gpa, read, encrypted: true).Succeeded;
        var benign = lockError == Errno.None && acceptError == Errno.None && readable && read.AsSpan().SequenceEqual(first);
        details.Add($"benign twin: T=1 write to GPA 0x{gpa:X}: {(benign ? "committed, the guest reads it" : "NOT committed")}");

        var tampered = Seal(platform, gpa, second);
        tampered.Payload[7] ^= 0x02;
        Deliver(platform, tampered, wire);
        platform.Guest.Memory.Read(gpa, read, encrypted: true);
        var committed = !read.AsSpan().SequenceEqual(first);
        details.Add($"attack: payload bit flipped; root port stream {stream.State}, first error {stream.FirstError?.Reason.ToString() ?? "none"}");

        var leaks = LeakScan.FindInMemory(platform.Memory, canary).Select(a => $"raw memory at 0x{a:X}").ToList();
        leaks.AddRange(wire.Where(w => w.AsSpan().IndexOf(canary) >= 0).Select(_ => "a TLP on the link"));
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = stream.State != IdeStreamState.Secure && stream.FirstError is not null ? AttackParty.RootPortIde : AttackParty.None,
            Answer = stream.FirstError is { } e ? $"TLP dropped: {e.Reason}; stream {stream.State}" : $"accepted; stream {stream.State}",
            ForgedCommitted = committed,
            BenignAccepted = benign,
            Leaks = leaks,
            Details = details,
            IdeFailure = stream.FirstError?.Reason,
            StreamState = stream.State,
        };
    }

    private static Tlp Seal(TioPlatform platform, ulong gpa, byte[] data)
    {
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryWrite(TioPlatform.DeviceBdf, gpa, data.Length), data);
        var status = platform.Device.Ide.FindStream(TioPlatform.StreamId)!.Seal(tlp, -1, teeOriginated: true);
        return status == IdeSealStatus.Sealed ? tlp : throw new InvalidOperationException($"attack: the device's IDE transmitter answered {status}");
    }

    private static void Deliver(TioPlatform platform, Tlp tlp, List<byte[]> wire)
    {
        wire.Add(tlp.Wire.ToArray());
        tlp.Parse();
        ((ILinkReceiver)platform.RootPort).OnTlpReceived(platform.Hw.Link.DownstreamPort, tlp);
    }
}
