namespace SevTio.Firmware.Spdm;

/// <summary>Configuration of the device's SPDM responder.</summary>
public sealed class SpdmResponderOptions
{
    public required SpdmDeviceIdentity Identity { get; init; }

    public required SpdmMeasurementLog Measurements { get; init; }

    /// <summary>Seeded source of session ids, random data, nonces and ephemeral keys (determinism).</summary>
    public required Random Random { get; init; }

    public ISpdmVendorDefinedHandler? VendorDefinedHandler { get; init; }

    /// <summary>CTExponent: 2^CT µs is the longest cryptographic operation (CMA requires CT ≤ 2^23 µs).</summary>
    public byte CtExponent { get; init; } = 20;

    public uint DataTransferSize { get; init; } = 4096;

    public uint MaxSpdmMessageSize { get; init; } = 4096;

    /// <summary>Largest CERTIFICATE portion the responder returns in one response.</summary>
    public int MaxCertificatePortion { get; init; } = 1024;

    public int MaxSessions { get; init; } = 4;
}
