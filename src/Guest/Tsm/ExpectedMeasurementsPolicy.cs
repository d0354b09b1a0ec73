using SevTio.Protocols.Psp;

namespace SevTio.Guest.Tsm;

/// <summary>
/// Reference-value policy: the SHA-384 of the device's measurement record (<see cref="DeviceEvidence.MeasurementRecordDigest"/>:
/// the blocks, not the nonce or signature) must be one of the expected values (known-good firmware builds), and, if
/// given, the certificate chain must be the expected one (the device identity).
/// </summary>
public sealed class ExpectedMeasurementsPolicy : IDeviceAcceptancePolicy
{
    private readonly Sha384Digest[] _measurements;
    private readonly Sha384Digest? _certificates;

    public ExpectedMeasurementsPolicy(IEnumerable<Sha384Digest> expectedMeasurements, Sha384Digest? expectedCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(expectedMeasurements);
        _measurements = [.. expectedMeasurements];
        if (_measurements.Length == 0)
        {
            throw new ArgumentException("at least one expected measurements digest", nameof(expectedMeasurements));
        }

        _certificates = expectedCertificates;
    }

    /// <summary>A policy that expects exactly this evidence (a known-good device, as a golden run recorded it).</summary>
    public static ExpectedMeasurementsPolicy FromEvidence(DeviceEvidence evidence, bool pinCertificates = false)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return new([evidence.MeasurementRecordDigest], pinCertificates ? evidence.CertificatesDigest : null);
    }

    public PolicyVerdict Evaluate(DeviceEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        if (_certificates is { } certificates && evidence.CertificatesDigest != certificates)
        {
            return PolicyVerdict.Reject($"certificate chain {evidence.CertificatesDigest} is not the expected device identity");
        }

        var digest = evidence.MeasurementRecordDigest;
        foreach (var expected in _measurements)
        {
            if (expected == digest)
            {
                return PolicyVerdict.Accept;
            }
        }

        return PolicyVerdict.Reject($"measurements {digest} match no reference value");
    }
}
