using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// What the SPDM responder hands VENDOR_DEFINED_REQUEST messages to (the DSM routes PCI-SIG IDE_KM and TDISP), and
/// whom it tells when a session ends (IDE_KM invalidates the keys that session programmed).
/// </summary>
public interface ISpdmVendorDefinedHandler
{
    /// <summary>
    /// Handles one request. <paramref name="sessionId"/> is null when it arrived outside a secured session.
    /// Returns the complete VENDOR_DEFINED_RESPONSE (or ERROR) message, or null to send no answer at all.
    /// </summary>
    byte[]? HandleVendorDefinedRequest(uint? sessionId, SpdmVendorDefinedMessage request);

    void OnSessionEnded(uint sessionId);
}
