namespace SevTio.Protocols.Psp;

/// <summary>
/// SEV-TIO PSP command ids (Linux include/linux/psp-sev.h <c>enum sev_cmd</c>, SEV_CMD_TIO_*; AMD #58271).
/// 0xD9 is unassigned.
/// </summary>
public enum PspCommandId : uint
{
    TioStatus = 0xD0,
    TioInit = 0xD1,
    TioDevCreate = 0xD2,
    TioDevReclaim = 0xD3,
    TioDevConnect = 0xD4,
    TioDevDisconnect = 0xD5,
    TioDevStatus = 0xD6,
    TioDevMeasurements = 0xD7,
    TioDevCertificates = 0xD8,
    TioTdiCreate = 0xDA,
    TioTdiReclaim = 0xDB,
    TioTdiBind = 0xDC,
    TioTdiUnbind = 0xDD,
    TioTdiReport = 0xDE,
    TioTdiStatus = 0xDF,
    TioGuestRequest = 0xE0,
    TioAsidFenceClear = 0xE1,
    TioAsidFenceStatus = 0xE2,
    TioTdiInfo = 0xE3,
    TioRollKey = 0xE4,
}
