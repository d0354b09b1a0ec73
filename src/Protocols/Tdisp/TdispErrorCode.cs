namespace SevTio.Protocols.Tdisp;

/// <summary>TDISP_ERROR codes (PCIe §11.3.16).</summary>
public enum TdispErrorCode : uint
{
    InvalidRequest = 0x0001,
    Busy = 0x0003,
    InvalidInterfaceState = 0x0004,
    Unspecified = 0x0005,

    /// <summary>ERROR_DATA holds the request code that is not supported.</summary>
    UnsupportedRequest = 0x0007,
    VersionMismatch = 0x0041,

    /// <summary>ERROR_DATA = extended length; extended data = registry, vendor id length, vendor id, data.</summary>
    VendorSpecificError = 0x00FF,
    InvalidInterface = 0x0101,
    InvalidNonce = 0x0102,
    InsufficientEntropy = 0x0103,
    InvalidDeviceConfiguration = 0x0104,
}
