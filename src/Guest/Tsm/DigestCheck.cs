namespace SevTio.Guest.Tsm;

/// <summary>The outcome of comparing one blob the hypervisor handed over with the SHA-384 digest the PSP signed off.</summary>
public enum DigestCheck
{
    NotChecked = 0,

    /// <summary>SHA-384 of the blob equals the digest in TIO_MSG_TDI_INFO_RSP.</summary>
    Match,

    /// <summary>The blob is not the one the PSP measured: altered, stale, or another device's.</summary>
    Mismatch,

    /// <summary>The hypervisor handed over no such blob.</summary>
    Missing,

    /// <summary>The PSP says its measurements digest is not valid (meas_digest_valid clear).</summary>
    NotValid,
}
