namespace SevTio.Protocols.Ghcb;

/// <summary>
/// SW_EXITCODE values of the non-automatic exits this model uses (arch/x86/include/uapi/asm/svm.h
/// <c>SVM_VMGEXIT_*</c>; the two TIO exits are the seed's).
/// </summary>
public enum VmgExitCode : ulong
{
    /// <summary>Page State Change: a PSC descriptor in the shared buffer, SW_SCRATCH = its GPA.</summary>
    PageStateChange = 0x8000_0010,

    /// <summary>SNP guest request: EXITINFO1 = request page GPA, EXITINFO2 = response page GPA.</summary>
    SnpGuestRequest = 0x8000_0011,

    /// <summary>Extended SNP guest request (certificates in RAX/RBX pages).</summary>
    SnpExtendedGuestRequest = 0x8000_0012,

    /// <summary>TIO guest request (<c>SVM_VMGEXIT_SEV_TIO_GUEST_REQUEST</c>): encrypted TIO_MSG_* plus data blobs.</summary>
    SevTioGuestRequest = 0x8000_0020,

    /// <summary>TIO operation (<c>SVM_VMGEXIT_SEV_TIO_OP</c>): bind, unbind, run or stop a TDI.</summary>
    SevTioOp = 0x8000_0021,

    HypervisorFeatures = 0x8000_FFFD,
    TerminateRequest = 0x8000_FFFE,
}
