namespace SevTio.Protocols.Psp;

/// <summary>
/// Measurement-digest flags shared by the TDI_INFO output (<c>p1_flags</c> b1:0) and TIO_MSG_TDI_INFO_RSP (u32 b1:0).
/// </summary>
[Flags]
public enum TioMeasurementFlags : uint
{
    None = 0,

    /// <summary><c>meas_digest_valid</c>: the measurements digest is meaningful.</summary>
    DigestValid = 1u << 0,

    /// <summary><c>meas_digest_fresh</c>: the measurements were taken with the guest's nonce.</summary>
    DigestFresh = 1u << 1,
}
