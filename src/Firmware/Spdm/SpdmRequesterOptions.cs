namespace SevTio.Firmware.Spdm;

/// <summary>Configuration of the SPDM requester (the PSP's side of the connection).</summary>
public sealed class SpdmRequesterOptions
{
    /// <summary>DER of the root certificate the requester trusts; the device's chain must lead to it.</summary>
    public required byte[] TrustedRootCertificate { get; init; }

    /// <summary>Seeded source of the session id, random data and the ephemeral DHE key (determinism).</summary>
    public required Random Random { get; init; }

    /// <summary>Bytes asked for per GET_CERTIFICATE.</summary>
    public ushort CertificateChunkLength { get; init; } = 1024;

    /// <summary>MeasurementSummaryHashType of KEY_EXCHANGE: 0 none, 1 TCB, 0xFF all.</summary>
    public byte MeasurementSummaryHashType { get; init; }

    public byte CtExponent { get; init; }

    public uint DataTransferSize { get; init; } = 4096;

    public uint MaxSpdmMessageSize { get; init; } = 4096;
}
