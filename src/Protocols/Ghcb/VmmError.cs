namespace SevTio.Protocols.Ghcb;

/// <summary>VMM error in SW_EXITINFO2 bits 63:32 of a guest request (uapi sev-guest.h <c>SNP_GUEST_VMM_ERR_*</c>).</summary>
public enum VmmError : uint
{
    None = 0,

    /// <summary>The data buffer is too small; RBX holds the number of pages needed. The guest reallocates and retries.</summary>
    InvalidLength = 1,

    /// <summary>The hypervisor is busy; the guest retries the same request.</summary>
    Busy = 2,
}
