namespace SevTio.Protocols.Tsm;

/// <summary>
/// TDISP state of a TDI as the TSM reports it (Linux <c>enum tsm_tdisp_state</c>, pci-tsm.h; the PSP's
/// TIO_TDI_STATUS output uses the same values as <c>TIO_TDISP_STATE_*</c>).
/// </summary>
public enum TsmTdispState : byte
{
    ConfigUnlocked = 0,
    ConfigLocked = 1,
    Run = 2,
    Error = 3,
}
