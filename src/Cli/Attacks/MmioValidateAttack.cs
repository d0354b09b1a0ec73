using SevTio.Cli.Attacks.Support;
using SevTio.Guest;
using SevTio.Guest.Messaging;
using SevTio.Guest.Tsm;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Tsm;

namespace SevTio.Cli.Attacks;

/// <summary>Which MMIO_VALIDATE request the PSP must refuse (issue 10 item 13).</summary>
public enum MmioMisuse
{
    /// <summary>RANGE_ID 2: the non-TEE doorbell BAR, not a TEE range of the report.</summary>
    NotInReport,

    /// <summary>A TEE range where the host made one page hypervisor-owned again (RMPUPDATE) after the bind.</summary>
    NotAssigned,

    /// <summary>A range whose first page is already validated and the rest not, without force_validated.</summary>
    NotUniform,
}

/// <summary>
/// Issue 10 item 13: TIO_MSG_MMIO_VALIDATE_REQ asks the PSP to set RMP.Validated on TDI MMIO pages. The PSP must check
/// the range is a TEE range of the report, every page is assigned to this guest at the GPA asked, and (without
/// force_validated) Validated is uniform over the range, and answer NOT_REPORTED (8), NOT_ASSIGNED (3) or NOT_UNIFORM (5)
/// without changing any RMP entry. The messages come from the bound guest through its own channel; the benign twin
/// validates BAR0's TEE range, which must succeed.
/// </summary>
public sealed class MmioValidateAttack : Attack
{
    private readonly MmioMisuse _misuse;

    public MmioValidateAttack(string name, MmioMisuse misuse, string description)
        : base(name, 13, AttackParty.PspMmioValidate, description)
    {
        _misuse = misuse;
    }

    /// <summary>The status the PSP must answer (SEV-TIO spec 58271 via the seed's tio.c status list).</summary>
    public MmioValidateStatus ExpectedStatus => _misuse switch
    {
        MmioMisuse.NotInReport => MmioValidateStatus.NotReported,
        MmioMisuse.NotAssigned => MmioValidateStatus.NotAssigned,
        _ => MmioValidateStatus.NotUniform,
    };

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        using var rig = new TrustRig(seed);
        rig.PlantCanary(canary);
        var lockError = rig.Write("lock", "tsm0");
        details.Add($"lock {lockError}: TDI {rig.Device.Tdi.State}");

        var benign = Validate(rig, TrustDevice.Bar0, TrustDevice.Bar0Size / 4096, 0, 0, force: false, out var benignStatus) == Errno.None && benignStatus == MmioValidateStatus.Success;
        details.Add($"benign twin: validate BAR0 0x{TrustDevice.Bar0:X} ({TrustDevice.Bar0Size / 4096} pages): {benignStatus}");

        ulong gpa;
        uint pages;
        ushort rangeId;
        switch (_misuse)
        {
            case MmioMisuse.NotInReport:
                (gpa, pages, rangeId) = (TrustDevice.Bar2, 1, 2);
                details.Add("the guest asks to validate RANGE_ID 2 (the non-TEE doorbell BAR)");
                break;
            case MmioMisuse.NotAssigned:
                (gpa, pages, rangeId) = (TrustDevice.Bar4, 4, 4);
                rig.Rmp.RmpUpdate(TrustDevice.Bar4 + 0x1000, RmpUpdateState.Hypervisor());
                details.Add($"the host RMPUPDATEs BAR4 page 0x{TrustDevice.Bar4 + 0x1000:X} back to hypervisor-owned; the guest validates BAR4's first 4 pages");
                break;
            default:
            {
                (gpa, pages, rangeId) = (TrustDevice.Bar4, 4, 4);
                var first = Validate(rig, TrustDevice.Bar4, 1, 0, 4, force: false, out var firstStatus);
                benign &= first == Errno.None && firstStatus == MmioValidateStatus.Success;
                details.Add($"the guest validates BAR4's first page ({firstStatus}), then its first 4 pages without force_validated");
                break;
            }
        }

        var before = Entries(rig, TrustDevice.Bar4, 4).Concat(Entries(rig, TrustDevice.Bar2, 1)).ToList();
        var error = Validate(rig, gpa, pages, 0, rangeId, force: false, out var status);
        var after = Entries(rig, TrustDevice.Bar4, 4).Concat(Entries(rig, TrustDevice.Bar2, 1)).ToList();
        details.Add($"attack: validate RANGE_ID {rangeId} 0x{gpa:X} x{pages}: {error}, status {status}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = error == Errno.None && status == ExpectedStatus ? AttackParty.PspMmioValidate : AttackParty.None,
            Answer = $"TIO_MSG_MMIO_VALIDATE_RSP status {status} ({(int)status})",
            ForgedCommitted = !before.SequenceEqual(after),
            BenignAccepted = benign,
            Leaks = rig.FindGuestLeaks(canary),
            Details = details,
            Status = status.ToString(),
        };
    }

    private static List<RmpEntry> Entries(TrustRig rig, ulong spa, int pages) =>
        Enumerable.Range(0, pages).Select(i => rig.Rmp.ReadEntry(spa + ((ulong)i * 4096))).ToList();

    /// <summary>TIO_MSG_MMIO_VALIDATE_REQ through the guest's own message channel (sequence numbers shared with its TSM).</summary>
    private static Errno Validate(TrustRig rig, ulong gpa, ulong pages, uint rangeOffset, ushort rangeId, bool force, out MmioValidateStatus status)
    {
        var tsm = rig.Kernel.Tsm!;
        var version = tsm.Options.MessageVersion;
        var id = version == TioMessageVersion.V1 ? TrustRig.GuestRid : rig.GuestDevice.Tsm!.TdiId;
        var flags = MmioValidateFlags.Validated | (force ? MmioValidateFlags.ForceValidated : MmioValidateFlags.None);
        var request = new MmioValidateRequest(id, gpa, (uint)pages, rangeOffset, flags, rangeId);
        var data = new SnpRequestData
        {
            GuestRid = TrustRig.GuestRid,
            Param = MmioRangeDescriptor.FromRange(gpa, pages * 4096, (byte)rangeId, true).ToRdx(),
        };
        var error = rig.Kernel.Messages.Send<MmioValidateRequest, MmioValidateResponse>(request, version, data, out var response);
        status = response.Status;
        return error;
    }
}
