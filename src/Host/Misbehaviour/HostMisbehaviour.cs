namespace SevTio.Host.Misbehaviour;

/// <summary>
/// Deliberate misbehaviour of the untrusted hypervisor, for tests that show the trust model holds when the host lies:
/// the PSP, the device or the guest must notice each of these. Every hook is off (null/false) by default.
/// </summary>
public sealed class HostMisbehaviour
{
    /// <summary>
    /// Rewrites a DOE object on its way from the PSP to the device (exchange index counted per hypervisor, the object
    /// with its DOE header); returning null drops it (the device never sees it, the PSP gets no reply).
    /// </summary>
    public Func<int, byte[], byte[]?>? AlterDoeRequest { get; set; }

    /// <summary>Rewrites (or drops, by returning null) the device's DOE reply on its way back to the PSP.</summary>
    public Func<int, byte[], byte[]?>? AlterDoeResponse { get; set; }

    /// <summary>Hands the guest a different interface report blob than the one the PSP output.</summary>
    public Func<byte[], byte[]>? AlterReportBlob { get; set; }

    /// <summary>Hands the guest a different certificate chain blob than the one the PSP output (e.g. another device's).</summary>
    public Func<byte[], byte[]>? AlterCertificatesBlob { get; set; }

    /// <summary>Hands the guest the PSP's previous response page instead of the current one (responses out of order).</summary>
    public bool ReplayPreviousGuestResponse { get; set; }

    /// <summary>Forwards the guest's previous request page to the PSP instead of the current one (a replay).</summary>
    public bool ReplayPreviousGuestRequest { get; set; }

    /// <summary>Forwards the guest's request with one ciphertext byte flipped.</summary>
    public bool TamperGuestRequest { get; set; }
}
