namespace SevTio.Protocols.Tsm;

/// <summary>
/// Whether a TDI is bound to the asking guest (Linux <c>enum tsm_tdisp_status</c>; TIO_MSG_TDI_INFO_RSP.status uses
/// the same values as <c>TIO_MSG_TDI_INFO_RSP_STATUS_*</c>).
/// </summary>
public enum TdiBindStatus : ushort
{
    Bound = 0,
    Invalid = 1,
    Unbound = 2,
}
