using SevTio.Cli.Attacks.Support;
using SevTio.Guest;
using SevTio.Protocols.Tdisp;

namespace SevTio.Cli.Attacks;

/// <summary>What the hypervisor hands the guest instead of the evidence the PSP measured (issue 10 item 11).</summary>
public enum ReportForgery
{
    /// <summary>The interface report with one byte of its device-specific info changed (still well-formed).</summary>
    Modified,

    /// <summary>The report of an earlier binding, from before the host moved BAR4.</summary>
    Stale,

    /// <summary>Another device's certificate chain (genuine, from the same kind of device, not this one).</summary>
    ForeignCertificates,
}

/// <summary>
/// Issue 10 item 11: the hypervisor relays the evidence blobs (report, certificates, measurements) through the guest's
/// shared buffer and may lie about them. The guest TSM hashes each blob and compares it with the SHA-384 digest in the
/// PSP-sealed TIO_MSG_TDI_INFO_RSP: a mismatch leaves the evidence unverified and <c>tsm/accept</c> answers EBADMSG,
/// so the TDI never reaches RUN and the sDTE is never written.
/// </summary>
public sealed class ReportAttack : Attack
{
    /// <summary>Where the host moves BAR4 between the two bindings of the stale-report case.</summary>
    public const ulong MovedBar4 = 0xF040_0000;

    private readonly ReportForgery _forgery;

    public ReportAttack(string name, ReportForgery forgery, string description)
        : base(name, 11, AttackParty.GuestTsmDigestCheck, description)
    {
        _forgery = forgery;
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        bool benign;
        using (var twin = new TrustRig(seed))
        {
            var l = twin.Write("lock", "tsm0");
            var a = twin.Write("accept", "1");
            benign = l == Errno.None && a == Errno.None && twin.Device.Tdi.State == TdiState.Run;
            details.Add($"benign twin: lock {l}, evidence {twin.Read("evidence").Trim()}, accept {a}, TDI {twin.Device.Tdi.State}");
        }

        byte[]? foreign = null;
        if (_forgery == ReportForgery.ForeignCertificates)
        {
            using var other = new TrustRig(seed, identity: TrustRig.OtherIdentity);
            foreign = other.Link.Certificates!;
        }

        using var rig = new TrustRig(seed);
        rig.PlantCanary(canary);
        switch (_forgery)
        {
            case ReportForgery.Modified:
                rig.Misbehaviour.AlterReportBlob = report =>
                {
                    var altered = (byte[])report.Clone();
                    altered[^1] ^= 0x20;
                    return altered;
                };
                details.Add("the host flips a bit of the report's device-specific info");
                break;
            case ReportForgery.Stale:
            {
                var l = rig.Write("lock", "tsm0");
                var old = (byte[])rig.Tdi.Report!.Clone();
                var u = rig.Write("unlock", "tsm0");
                rig.Hypervisor.Pci.Write(TrustDevice.Bdf, 0x20, (uint)MovedBar4 | 0xC);
                rig.Misbehaviour.AlterReportBlob = _ => old;
                details.Add($"first binding: lock {l}, unlock {u}; the host moves BAR4 to 0x{MovedBar4:X} and keeps handing over the first report");
                break;
            }

            case ReportForgery.ForeignCertificates:
                rig.Misbehaviour.AlterCertificatesBlob = _ => foreign!;
                details.Add($"the host hands over another device's certificate chain ({foreign!.Length} B)");
                break;
        }

        var lockError = rig.Write("lock", "tsm0");
        var evidence = rig.Read("evidence").Trim();
        var acceptError = rig.Write("accept", "1");
        var state = rig.Device.Tdi.State;
        var sdte = rig.Iommu.ReadSecureDeviceTableEntry(TrustDevice.Bdf).Valid;
        details.Add($"lock {lockError}; evidence: {evidence}; accept {acceptError}; TDI {state}; sDTE valid {sdte}");
        var check = rig.GuestDevice.Tsm?.Evidence?.Check;
        var mismatch = _forgery == ReportForgery.ForeignCertificates
            ? check?.Certificates == Guest.Tsm.DigestCheck.Mismatch
            : check?.Report == Guest.Tsm.DigestCheck.Mismatch;
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = mismatch && acceptError != Errno.None ? AttackParty.GuestTsmDigestCheck : AttackParty.None,
            Answer = $"evidence {evidence}; accept {acceptError}",
            ForgedCommitted = state == TdiState.Run || sdte,
            BenignAccepted = benign,
            Leaks = rig.FindGuestLeaks(canary),
            Details = details,
            Errno = acceptError.ToString(),
            Status = state.ToString(),
        };
    }
}
