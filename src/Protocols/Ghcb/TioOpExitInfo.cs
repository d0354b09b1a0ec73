using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// EXITINFO1 of SEV_TIO_OP (svm.h <c>SVM_VMGEXIT_SEV_TIO_OP_PARAM(guest_id, action)</c>):
/// <c>(action &lt;&lt; 32) | guest_rid</c>. The guest_rid is the guest's routing id (seed: 16-bit BDF; later
/// <c>(domain &lt;&lt; 16) | BDF</c>).
/// </summary>
public readonly record struct TioOpExitInfo(uint GuestRid, TioOpAction Action)
{
    public ulong ToExitInfo1() => ((ulong)Action << 32) | GuestRid;

    /// <summary>Decodes EXITINFO1 as written by a guest; an action other than 0–3 is a format error.</summary>
    public static TioOpExitInfo FromExitInfo1(ulong exitInfo1)
    {
        var action = (uint)(exitInfo1 >> 32);
        if (action > (uint)TioOpAction.Stop)
        {
            throw new ProtocolFormatException("GHCB.SEV_TIO_OP.exit_info_1.action", $"{action} is not BIND, UNBIND, RUN or STOP");
        }

        return new TioOpExitInfo((uint)exitInfo1, (TioOpAction)action);
    }
}
