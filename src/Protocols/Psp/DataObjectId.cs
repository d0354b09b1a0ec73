namespace SevTio.Protocols.Psp;

/// <summary>SPDM data object ids (sev-dev-tio.h <c>SPDM_DOBJ_ID_*</c>); 3 is unassigned.</summary>
public enum DataObjectId : uint
{
    None = 0,

    /// <summary>An SPDM request the firmware wants relayed to the device (request buffer).</summary>
    Request = 1,

    /// <summary>The device's SPDM response as the host relays it back (response buffer).</summary>
    Response = 2,

    /// <summary>Device certificate chain (output buffer after DEV_CONNECT / DEV_CERTIFICATES).</summary>
    Certificate = 4,

    /// <summary>Device measurements (output buffer after DEV_MEASUREMENTS).</summary>
    Measurement = 5,

    /// <summary>TDISP interface report (output buffer after TDI_BIND / TDI_REPORT).</summary>
    Report = 6,
}
