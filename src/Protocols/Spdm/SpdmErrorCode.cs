namespace SevTio.Protocols.Spdm;

/// <summary>ERROR response codes (DSP0274 1.2 Table 48), carried in Param1.</summary>
public enum SpdmErrorCode : byte
{
    InvalidRequest = 0x01,
    Busy = 0x03,
    UnexpectedRequest = 0x04,
    Unspecified = 0x05,
    DecryptError = 0x06,
    UnsupportedRequest = 0x07,
    RequestInFlight = 0x08,
    InvalidResponseCode = 0x09,
    SessionLimitExceeded = 0x0A,
    SessionRequired = 0x0B,
    ResetRequired = 0x0C,
    ResponseTooLarge = 0x0D,
    RequestTooLarge = 0x0E,
    LargeResponse = 0x0F,
    MessageLost = 0x10,
    VersionMismatch = 0x41,
    ResponseNotReady = 0x42,
    RequestResynch = 0x43,
    VendorDefined = 0xFF,
}
