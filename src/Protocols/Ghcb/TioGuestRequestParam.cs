namespace SevTio.Protocols.Ghcb;

/// <summary>
/// RDX of SEV_TIO_GUEST_REQUEST for TIO_MSG_TDI_INFO: which blobs the hypervisor should put in the data pages
/// (svm.h <c>SVM_VMGEXIT_SEV_TIO_GUEST_REQUEST_PARAM_*</c>). The seed defines STATE (b0) and REPORT (b3); later
/// snapshots add CERTS and MEAS, whose bit numbers are not published — b1/b2 here are an inference. On success the
/// hypervisor returns the TDISP state in RDX.
/// </summary>
[Flags]
public enum TioGuestRequestParam : ulong
{
    None = 0,
    State = 1ul << 0,

    /// <summary>[inferred bit] certificates blob.</summary>
    Certificates = 1ul << 1,

    /// <summary>[inferred bit] measurements blob.</summary>
    Measurements = 1ul << 2,
    Report = 1ul << 3,
}
