namespace SevTio.Protocols.Psp;

/// <summary>
/// SEV firmware status codes (Linux include/uapi/linux/psp-sev.h <c>sev_ret_code</c>): the classic SEV/SNP codes
/// 0x00–0x28 and the SEV-TIO codes 0x30–0x3F. 0x1E, 0x29–0x2F and 0x34 are unassigned.
/// </summary>
public enum PspReturnCode : uint
{
    Success = 0x00,
    InvalidPlatformState = 0x01,
    InvalidGuestState = 0x02,
    InvalidConfig = 0x03,
    InvalidLength = 0x04,
    AlreadyOwned = 0x05,
    InvalidCertificate = 0x06,
    PolicyFailure = 0x07,
    Inactive = 0x08,
    InvalidAddress = 0x09,
    BadSignature = 0x0A,
    BadMeasurement = 0x0B,
    AsidOwned = 0x0C,
    InvalidAsid = 0x0D,
    WbinvdRequired = 0x0E,
    DfFlushRequired = 0x0F,
    InvalidGuest = 0x10,
    InvalidCommand = 0x11,
    Active = 0x12,
    HwErrorPlatform = 0x13,
    HwErrorUnsafe = 0x14,
    Unsupported = 0x15,
    InvalidParam = 0x16,
    ResourceLimit = 0x17,
    SecureDataInvalid = 0x18,
    InvalidPageSize = 0x19,
    InvalidPageState = 0x1A,
    InvalidMetadataEntry = 0x1B,
    InvalidPageOwner = 0x1C,
    AeadOverflow = 0x1D,
    ExitRingBuffer = 0x1F,
    RmpInitRequired = 0x20,
    BadSvn = 0x21,
    BadVersion = 0x22,
    ShutdownRequired = 0x23,
    UpdateFailed = 0x24,
    RestoreRequired = 0x25,
    RmpInitializationFailed = 0x26,
    InvalidKey = 0x27,
    ShutdownIncomplete = 0x28,

    /// <summary>An SPDM buffer is not the length the firmware expects.</summary>
    IncorrectBufferLength = 0x30,

    /// <summary>The firmware wrote a larger <c>capacity</c> into the output/scratch buffer header: reallocate, re-issue.</summary>
    ExpandBufferLengthRequest = 0x31,

    /// <summary>The firmware left an SPDM request in the request buffer: relay it over DOE, then re-issue the command.</summary>
    SpdmRequest = 0x32,
    SpdmError = 0x33,
    ErrorInDeviceConnection = 0x35,
    InvalidDeviceContext = 0x36,
    InvalidTdiContext = 0x37,
    InvalidTdi = 0x38,
    ReclaimRequired = 0x39,
    InUse = 0x3A,
    InvalidDeviceState = 0x3B,
    InvalidTdiState = 0x3C,
    DeviceCertificateChanged = 0x3D,
    ResyncRequired = 0x3E,
    ResponseTooLarge = 0x3F,
}
