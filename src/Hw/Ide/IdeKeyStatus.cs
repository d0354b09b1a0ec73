namespace SevTio.Hw.Ide;

/// <summary>
/// Outcome of a key-management entry point, with the KP_ACK Status values of IDE_KM (§6.33.3) so the firmware
/// layer can copy it into its response.
/// </summary>
public enum IdeKeyStatus : byte
{
    Success = 0,

    /// <summary>A value the port does not support (unknown stream, bad sub-stream, initial counter 0, key slot in use).</summary>
    UnsupportedValue = 3,

    /// <summary>Any other failure (e.g. GO on a key set that was never programmed).</summary>
    Unspecified = 4,
}
