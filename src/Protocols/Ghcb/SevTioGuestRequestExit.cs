using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// The registers of SEV_TIO_GUEST_REQUEST (0x80000020) as the seed's <c>snp_issue_guest_request</c> sets them:
/// SW_EXITINFO1 = request message page GPA, SW_EXITINFO2 = response message page GPA (both shared pages),
/// RAX = data buffer GPA (shared, for the blob table), RBX = data pages, RCX = guest_rid, RDX = parameter
/// (<see cref="TioGuestRequestParam"/>, <see cref="MmioRangeDescriptor"/> or <see cref="SdteWriteParam"/> by message).
/// Later snapshots carry the page count in RCX bits 63:32 with the sBDF in 31:0.
/// </summary>
/// <remarks>
/// The hypervisor answers in SW_EXITINFO2 (<see cref="GuestRequestResult"/>); on success it returns the parameter
/// (TDI_INFO: the TDISP state) in RDX, on INVALID_LEN the pages needed in RBX.
/// </remarks>
public readonly record struct SevTioGuestRequestExit(
    ulong RequestGpa,
    ulong ResponseGpa,
    ulong DataGpa,
    ulong DataPages,
    ulong GuestRid,
    ulong Param)
{
    /// <summary>Guest side: fills the GHCB for the exit (invalidating it first).</summary>
    public void Write(GhcbPage ghcb)
    {
        ghcb.Invalidate();
        ghcb.Set(GhcbField.Rax, DataGpa);
        ghcb.Set(GhcbField.Rbx, DataPages);
        ghcb.Set(GhcbField.Rcx, GuestRid);
        ghcb.Set(GhcbField.Rdx, Param);
        ghcb.WriteExit(VmgExitCode.SevTioGuestRequest, RequestGpa, ResponseGpa);
    }

    /// <summary>Hypervisor side: reads the exit; the exit code must be SEV_TIO_GUEST_REQUEST and every register valid.</summary>
    public static SevTioGuestRequestExit Read(GhcbPage ghcb)
    {
        var exit = ghcb.ReadExit();
        if (exit.ExitCode != VmgExitCode.SevTioGuestRequest)
        {
            throw new ProtocolFormatException("GHCB.SwExitCode", $"0x{(ulong)exit.ExitCode:X} is not SEV_TIO_GUEST_REQUEST");
        }

        return new SevTioGuestRequestExit(exit.ExitInfo1, exit.ExitInfo2, ghcb.Get(GhcbField.Rax), ghcb.Get(GhcbField.Rbx), ghcb.Get(GhcbField.Rcx), ghcb.Get(GhcbField.Rdx));
    }

    /// <summary>
    /// Hypervisor side: the answer. SW_EXITINFO2 = <paramref name="result"/>; RDX = <paramref name="param"/> on success;
    /// RBX = <paramref name="pagesNeeded"/> with INVALID_LEN.
    /// </summary>
    public static void WriteResult(GhcbPage ghcb, GuestRequestResult result, ulong param = 0, ulong pagesNeeded = 0)
    {
        ghcb.Set(GhcbField.SwExitInfo2, result.ToExitInfo2());
        if (result.IsSuccess)
        {
            ghcb.Set(GhcbField.Rdx, param);
        }
        else if (result.VmmError == VmmError.InvalidLength)
        {
            ghcb.Set(GhcbField.Rbx, pagesNeeded);
        }
    }

    /// <summary>Guest side: the hypervisor's answer (SW_EXITINFO2) after the exit returns.</summary>
    public static GuestRequestResult ReadResult(GhcbPage ghcb) => GuestRequestResult.FromExitInfo2(ghcb.GetRaw(GhcbField.SwExitInfo2));
}
