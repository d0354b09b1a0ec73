using SevTio.Protocols.Doe;

namespace SevTio.Host.Psp;

/// <summary>Carries one SPDM message from the PSP to the device (over DOE) and brings back the device's reply.</summary>
public interface ISpdmRelay
{
    /// <summary>Relays <paramref name="payload"/> as a DOE object of <paramref name="type"/>; returns the reply payload, or null for none.</summary>
    byte[]? Relay(DoeDataObjectType type, byte[] payload);
}
