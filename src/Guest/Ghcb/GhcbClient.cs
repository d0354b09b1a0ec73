using SevTio.Hw.Cpu;
using SevTio.Hw.Memory;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Ghcb;

/// <summary>
/// The guest side of the GHCB protocol (Linux <c>sev_es_ghcb_hv_call</c>, <c>snp_issue_guest_request</c>,
/// <c>sev_tio_op</c>, <c>vmgexit_psc</c>): builds a request in the GHCB page, which is a shared page, exits with
/// VMGEXIT and reads the hypervisor's answer back from the same page. Every byte crosses simulated guest memory as
/// C-bit-clear accesses, so the host sees exactly what a real host would.
/// </summary>
/// <remarks>
/// The GHCB page must already be hypervisor-owned (shared) and mapped: the guest registers its GPA with the vCPU, as
/// the GHCB MSR protocol's REGISTER_GPA does at boot. One client per vCPU; not thread-safe.
/// </remarks>
public sealed class GhcbClient
{
    /// <summary>PSC re-issues tolerated before the guest gives up on a hypervisor that makes no progress.</summary>
    private const int MaxPageStateChangeRounds = 2 * PageStateChangeDescriptor.MaxEntries + 8;

    private readonly GuestVcpu _vcpu;
    private readonly byte[] _page = new byte[GhcbPage.Size];
    private readonly PageStateChangeEntry[] _pscBatch = new PageStateChangeEntry[PageStateChangeDescriptor.MaxEntries];

    /// <param name="vcpu">The vCPU whose exits go to the hypervisor.</param>
    /// <param name="ghcbGpa">GPA of the GHCB page (4 KiB aligned, shared); registered with the vCPU.</param>
    public GhcbClient(GuestVcpu vcpu, ulong ghcbGpa)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        if (ghcbGpa == 0 || (ghcbGpa & PhysicalMemory.PageOffsetMask) != 0)
        {
            throw new ArgumentException($"the GHCB GPA 0x{ghcbGpa:X} must be a non-zero 4 KiB aligned address", nameof(ghcbGpa));
        }

        _vcpu = vcpu;
        Gpa = ghcbGpa;
        vcpu.GhcbGpa = ghcbGpa;
    }

    public ulong Gpa { get; }

    public GuestVcpu Vcpu => _vcpu;

    /// <summary>SEV_TIO_OP (0x80000021): BIND, UNBIND, RUN or STOP the TDI at <paramref name="guestRid"/>.</summary>
    /// <returns>EIO when the firmware error in SW_EXITINFO2 is non-zero (the seed's answer), EFAULT if the GHCB faulted.</returns>
    public TioOpResult TioOp(TioOpAction action, uint guestRid)
    {
        var ghcb = Prepare();
        SevTioOpExit.Write(ghcb, new TioOpExitInfo(guestRid, action));
        var error = Exchange();
        if (error != Errno.None)
        {
            return new TioOpResult(error, 0, null);
        }

        var (firmwareError, tdiId) = SevTioOpExit.ReadResult(ghcb);
        return new TioOpResult(firmwareError == 0 ? Errno.None : Errno.EIO, firmwareError, tdiId);
    }

    /// <summary>
    /// One SEV_TIO_GUEST_REQUEST exit (0x80000020) with the registers of <paramref name="request"/>. The caller (the
    /// message layer) interprets SW_EXITINFO2: success, BUSY, INVALID_LEN or a firmware error.
    /// </summary>
    public TioGuestRequestExitResult TioGuestRequest(in SevTioGuestRequestExit request)
    {
        var ghcb = Prepare();
        request.Write(ghcb);
        var error = Exchange();
        if (error != Errno.None)
        {
            return new TioGuestRequestExitResult(error, default, 0, 0);
        }

        var result = SevTioGuestRequestExit.ReadResult(ghcb);
        return new TioGuestRequestExitResult(Errno.None, result, ghcb.GetRaw(GhcbField.Rdx), ghcb.GetRaw(GhcbField.Rbx));
    }

    /// <summary>
    /// Page State Change (0x80000010) for <paramref name="count"/> 4 KiB pages from <paramref name="gpa"/>: the host
    /// RMPUPDATEs them to shared or to private for this guest. Sent in descriptors of up to 253 entries; each
    /// descriptor is re-issued until the host has processed every entry (Linux <c>vmgexit_psc</c>).
    /// </summary>
    /// <returns>EIO if the host reports an error, goes backwards or stops making progress; EFAULT if the GHCB faulted.</returns>
    public Errno PageStateChange(ulong gpa, long count, PageStateOperation operation)
    {
        while (count > 0)
        {
            var batch = (int)Math.Min(count, PageStateChangeDescriptor.MaxEntries);
            for (var i = 0; i < batch; i++)
            {
                _pscBatch[i] = new PageStateChangeEntry(0, (gpa >> PhysicalMemory.PageShift) + (ulong)i, operation, false);
            }

            var error = PageStateChangeBatch(batch);
            if (error != Errno.None)
            {
                return error;
            }

            gpa += (ulong)batch << PhysicalMemory.PageShift;
            count -= batch;
        }

        return Errno.None;
    }

    private Errno PageStateChangeBatch(int entries)
    {
        var ghcb = Prepare();
        PageStateChangeDescriptor.Create(new ArraySegment<PageStateChangeEntry>(_pscBatch, 0, entries)).Encode(ghcb.SharedBuffer);
        var current = 0;
        var end = entries - 1;
        for (var round = 0; round < MaxPageStateChangeRounds; round++)
        {
            ghcb.Invalidate();
            ghcb.Set(GhcbField.SwScratch, Gpa + GhcbPage.SharedBufferOffset);
            ghcb.WriteExit(VmgExitCode.PageStateChange, 0, 0);
            var error = Exchange();
            if (error != Errno.None)
            {
                return error;
            }

            if (ghcb.GetRaw(GhcbField.SwExitInfo2) != 0)
            {
                return Errno.EIO;
            }

            PageStateChangeDescriptor answer;
            try
            {
                answer = PageStateChangeDescriptor.Decode(ghcb.SharedBuffer);
            }
            catch (ProtocolFormatException)
            {
                return Errno.EIO;
            }

            // Linux: "PSC processing going backward" is fatal; so is a descriptor the host rewrote.
            if (answer.EndEntry != end || answer.CurrentEntry < current)
            {
                return Errno.EIO;
            }

            current = answer.CurrentEntry;
            if (current > end)
            {
                return Errno.None;
            }
        }

        return Errno.EIO;
    }

    private GhcbPage Prepare()
    {
        Array.Clear(_page);
        var ghcb = new GhcbPage(_page)
        {
            ProtocolVersion = GhcbPage.ProtocolVersion2,
            Usage = GhcbPage.DefaultUsage,
        };
        return ghcb;
    }

    private Errno Exchange()
    {
        if (!_vcpu.Memory.Write(Gpa, _page, encrypted: false).Succeeded)
        {
            return Errno.EFAULT;
        }

        _vcpu.VmgExit();
        return _vcpu.Memory.Read(Gpa, _page, encrypted: false).Succeeded ? Errno.None : Errno.EFAULT;
    }
}

/// <summary>The answer to SEV_TIO_OP: the guest's error, the raw firmware error, and the TDI id BIND returns in RCX.</summary>
public readonly record struct TioOpResult(Errno Error, ulong FirmwareError, ulong? TdiId);

/// <summary>
/// The answer to one SEV_TIO_GUEST_REQUEST exit: <see cref="Error"/> is set only if the GHCB itself faulted;
/// <see cref="Result"/> is SW_EXITINFO2; <see cref="Param"/> is RDX (the TDISP state after TDI_INFO) and
/// <see cref="DataPages"/> RBX (pages needed after INVALID_LEN).
/// </summary>
public readonly record struct TioGuestRequestExitResult(Errno Error, GuestRequestResult Result, ulong Param, ulong DataPages);
