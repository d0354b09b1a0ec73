using System.Security.Cryptography;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Tsm;

/// <summary>
/// What the guest learned about a TDI at lock: the PSP-authenticated TIO_MSG_TDI_INFO_RSP (digests, lock flags, SPDM
/// algorithms), the TDISP state the hypervisor returned in RDX, the three blobs the hypervisor copied into shared pages
/// (untrusted until their digests match), the parsed report and the digest checks.
/// </summary>
public sealed class DeviceEvidence
{
    public DeviceEvidence(TdiInfoResponse info, TsmTdispState state, byte[] report, byte[] certificates, byte[] measurements)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(measurements);
        Info = info;
        State = state;
        Report = report;
        Certificates = certificates;
        Measurements = measurements;
    }

    /// <summary>The PSP's answer: authenticated under the VMPCK.</summary>
    public TdiInfoResponse Info { get; }

    /// <summary>The TDISP state as the hypervisor reported it (RDX; informational).</summary>
    public TsmTdispState State { get; }

    /// <summary>The DEVICE_INTERFACE_REPORT bytes the hypervisor handed over.</summary>
    public byte[] Report { get; }

    /// <summary>The device certificate chain blob.</summary>
    public byte[] Certificates { get; }

    /// <summary>The device measurements blob.</summary>
    public byte[] Measurements { get; }

    /// <summary>The report, parsed (null until parsed).</summary>
    public TdispDeviceInterfaceReport? ParsedReport { get; internal set; }

    /// <summary>The digest checks (<see cref="DigestCheck.NotChecked"/> until <see cref="Verify"/> ran).</summary>
    public EvidenceCheck Check { get; private set; }

    /// <summary>SHA-384 of the measurements blob.</summary>
    public Sha384Digest MeasurementsDigest => Digest(Measurements);

    /// <summary>
    /// The device's measurement blocks when the blob is an SPDM MEASUREMENTS response (DSP0274; what the PSP's
    /// TIO_DEV_MEASUREMENTS returns), signature sized by the negotiated signing algorithm; null otherwise.
    /// </summary>
    public IReadOnlyList<SpdmMeasurementBlock>? MeasurementBlocks => ParseMeasurements()?.Blocks;

    /// <summary>
    /// SHA-384 of the measurement record — the blocks only, without the nonce and signature that change with every
    /// request — or of the whole blob when it is not an SPDM MEASUREMENTS response. The value a reference policy pins.
    /// </summary>
    public Sha384Digest MeasurementRecordDigest
    {
        get
        {
            if (ParseMeasurements() is not { } response)
            {
                return MeasurementsDigest;
            }

            var record = new byte[response.RecordLength];
            var writer = new WireWriter(record);
            foreach (var block in response.Blocks)
            {
                block.Write(ref writer);
            }

            return Digest(record);
        }
    }

    /// <summary>SHA-384 of the certificates blob (the device identity a policy may pin).</summary>
    public Sha384Digest CertificatesDigest => Digest(Certificates);

    /// <summary>
    /// Hashes each blob and compares it with the PSP's digest — the check the seed leaves as a TODO. A measurements
    /// digest the PSP flags as not valid fails unless <paramref name="requireMeasurements"/> is false.
    /// </summary>
    public EvidenceCheck Verify(bool requireMeasurements = true)
    {
        var measurements = (Info.MeasurementFlags & TioMeasurementFlags.DigestValid) == 0
            ? (requireMeasurements ? DigestCheck.NotValid : DigestCheck.Match)
            : Compare(Measurements, Info.MeasurementsDigest);
        Check = new EvidenceCheck(Compare(Report, Info.InterfaceReportDigest), Compare(Certificates, Info.CertificatesDigest), measurements);
        return Check;
    }

    private SpdmMeasurements? ParseMeasurements()
    {
        var signed = Info.Algorithms.Asym switch
        {
            TioAsymAlgorithm.EcdsaP256 => 64,
            TioAsymAlgorithm.EcdsaP384 => 96,
            _ => 384,
        };
        foreach (var signatureSize in (ReadOnlySpan<int>)[signed, 0])
        {
            try
            {
                return SpdmMeasurements.Decode(Measurements, signatureSize);
            }
            catch (ProtocolFormatException)
            {
            }
        }

        return null;
    }

    public static Sha384Digest Digest(ReadOnlySpan<byte> blob)
    {
        Span<byte> hash = stackalloc byte[Sha384Digest.Length];
        SHA384.HashData(blob, hash);
        return Sha384Digest.FromBytes(hash);
    }

    private static DigestCheck Compare(byte[] blob, Sha384Digest expected)
    {
        if (blob.Length == 0)
        {
            return DigestCheck.Missing;
        }

        Span<byte> hash = stackalloc byte[Sha384Digest.Length];
        SHA384.HashData(blob, hash);
        return CryptographicOperations.FixedTimeEquals(hash, expected) ? DigestCheck.Match : DigestCheck.Mismatch;
    }
}
