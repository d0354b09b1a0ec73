namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// Device configuration that makes LOCK_INTERFACE fail (PCIe §11.3.8) beyond what the firmware checks itself (IDE
/// stream, BAR overlap, MSI-X placement): the device reports these from its config space.
/// </summary>
[Flags]
public enum TdiConfigurationIssues
{
    None = 0,
    PhantomFunctionsEnabled = 1 << 0,
    InvalidResizableBar = 1 << 1,
    InvalidSriovPageSize = 1 << 2,
    InvalidCacheLineSize = 1 << 3,
    InvalidTphStMode = 1 << 4,
}
