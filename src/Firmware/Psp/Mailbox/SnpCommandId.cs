namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// The SEV-SNP commands the model implements for guest launch and page reclaim (Linux include/linux/psp-sev.h
/// <c>enum sev_cmd</c>, SEV_CMD_SNP_*). Launch is reduced to what SEV-TIO needs: a guest context, its ASID and memory
/// key, and the pages the firmware fills (zero, measured, secrets).
/// </summary>
public enum SnpCommandId : uint
{
    SnpDecommission = 0x090,
    SnpActivate = 0x091,
    SnpGctxCreate = 0x093,
    SnpLaunchUpdate = 0x0A1,
    SnpPageReclaim = 0x0C7,
}
