namespace SevTio.Protocols.Ghcb;

/// <summary>SEV_TIO_OP actions (svm.h <c>SVM_VMGEXIT_SEV_TIO_OP_*</c>), in EXITINFO1 bits 63:32.</summary>
public enum TioOpAction : uint
{
    /// <summary>Host: TDI_CREATE + TDI_BIND (CONFIG_LOCKED); returns the firmware TDI id in RCX.</summary>
    Bind = 0,
    Unbind = 1,

    /// <summary>Host: TDI_BIND with RUN_FORCE (TDISP START_INTERFACE).</summary>
    Run = 2,
    Stop = 3,
}
