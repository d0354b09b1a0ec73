namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// <c>msg_type</c> of an SNP guest message (arch/x86/include/asm/sev.h <c>enum msg_type</c>; SNP ABI and the seed's
/// TIO additions 19–26). A response's type is its request's type + 1.
/// </summary>
public enum SnpGuestMessageType : byte
{
    Invalid = 0,
    CpuidRequest = 1,
    CpuidResponse = 2,
    KeyRequest = 3,
    KeyResponse = 4,
    ReportRequest = 5,
    ReportResponse = 6,
    ExportRequest = 7,
    ExportResponse = 8,
    ImportRequest = 9,
    ImportResponse = 10,
    AbsorbRequest = 11,
    AbsorbResponse = 12,
    VmrkRequest = 13,
    VmrkResponse = 14,
    TscInfoRequest = 17,
    TscInfoResponse = 18,
    TioTdiInfoRequest = 19,
    TioTdiInfoResponse = 20,
    TioMmioValidateRequest = 21,
    TioMmioValidateResponse = 22,
    TioMmioConfigRequest = 23,
    TioMmioConfigResponse = 24,
    TioSdteWriteRequest = 25,
    TioSdteWriteResponse = 26,
}
