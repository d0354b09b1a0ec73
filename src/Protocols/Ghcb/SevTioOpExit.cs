using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// SEV_TIO_OP (0x80000021) as the seed's <c>sev_tio_op</c> issues it: SW_EXITINFO1 = <see cref="TioOpExitInfo"/>,
/// SW_EXITINFO2 = 0. The hypervisor answers with the firmware error in SW_EXITINFO2 (non-zero → the guest fails with
/// EIO) and, for BIND, the firmware TDI id in RCX.
/// </summary>
public static class SevTioOpExit
{
    /// <summary>Guest side: fills the GHCB for the exit (invalidating it first).</summary>
    public static void Write(GhcbPage ghcb, TioOpExitInfo op)
    {
        ghcb.Invalidate();
        ghcb.WriteExit(VmgExitCode.SevTioOp, op.ToExitInfo1(), 0);
    }

    /// <summary>Hypervisor side: reads the operation; the exit code must be SEV_TIO_OP.</summary>
    public static TioOpExitInfo Read(GhcbPage ghcb)
    {
        var exit = ghcb.ReadExit();
        if (exit.ExitCode != VmgExitCode.SevTioOp)
        {
            throw new ProtocolFormatException("GHCB.SwExitCode", $"0x{(ulong)exit.ExitCode:X} is not SEV_TIO_OP");
        }

        return TioOpExitInfo.FromExitInfo1(exit.ExitInfo1);
    }

    /// <summary>Hypervisor side: the firmware error (0 = success) and, after a successful BIND, the TDI id in RCX.</summary>
    public static void WriteResult(GhcbPage ghcb, ulong firmwareError, ulong? tdiId = null)
    {
        ghcb.Set(GhcbField.SwExitInfo2, firmwareError);
        if (tdiId is ulong id)
        {
            ghcb.Set(GhcbField.Rcx, id);
        }
    }

    /// <summary>Guest side: the firmware error, and the TDI id if RCX was marked valid.</summary>
    public static (ulong FirmwareError, ulong? TdiId) ReadResult(GhcbPage ghcb) =>
        (ghcb.GetRaw(GhcbField.SwExitInfo2), ghcb.TryGet(GhcbField.Rcx, out var id) ? id : null);
}
