using SevTio.Hw.Simulation;

namespace SevTio.Firmware.Psp;

/// <summary>
/// Simulated cost of the PSP's work. The PSP is a small ARM core with a crypto co-processor (CCP); no public figure
/// gives SEV-TIO command latencies, so every default here is a model assumption, chosen to be in the order of
/// magnitude of a CCP-class engine: public-key operations in milliseconds, hashing and AES at about 1 GB/s, a
/// mailbox round trip in tens of microseconds. Change them with the <c>psp.*</c> keys.
/// </summary>
public sealed record PspTiming
{
    /// <summary>Doorbell, dispatch and command-buffer read of one mailbox command, continuations included (<c>psp.command_overhead</c>). Assumption.</summary>
    public SimTime CommandOverhead { get; init; } = SimTime.FromMicroseconds(20);

    /// <summary>One RMP entry check or privileged RMP write (<c>psp.rmp_access</c>). Assumption.</summary>
    public SimTime RmpAccess { get; init; } = SimTime.FromNanoseconds(200);

    /// <summary>ECDSA P-384 signature verification (<c>psp.ecdsa_verify</c>). Assumption.</summary>
    public SimTime EcdsaVerify { get; init; } = SimTime.FromMilliseconds(2);

    /// <summary>ECDHE secp384r1: ephemeral key generation, and again the shared-secret derivation (<c>psp.ecdh</c>). Assumption.</summary>
    public SimTime Ecdh { get; init; } = SimTime.FromMilliseconds(1);

    /// <summary>One HMAC-SHA384 or HKDF step over a short input (<c>psp.hmac</c>). Assumption.</summary>
    public SimTime Hmac { get; init; } = SimTime.FromMicroseconds(5);

    /// <summary>SHA-384 per KiB hashed (<c>psp.sha384_per_kib</c>). Assumption (about 1 GB/s).</summary>
    public SimTime Sha384PerKiB { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>Fixed cost of one AES-256-GCM seal or open (key schedule, J0, tag) (<c>psp.aead_setup</c>). Assumption.</summary>
    public SimTime AeadSetup { get; init; } = SimTime.FromMicroseconds(2);

    /// <summary>AES-256-GCM per KiB (<c>psp.aead_per_kib</c>). Assumption (about 1 GB/s).</summary>
    public SimTime AeadPerKiB { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>Drawing one 256-bit key from the TRNG (<c>psp.key_generation</c>). Assumption.</summary>
    public SimTime KeyGeneration { get; init; } = SimTime.FromMicroseconds(2);

    /// <summary>Programming one key slot (or one K_SET_GO/STOP) of a root port's IDE engine over the PSP's private path (<c>psp.root_port_key_write</c>). Assumption.</summary>
    public SimTime RootPortKeyWrite { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>Parsing an SPDM message or building a request (<c>psp.spdm_message</c>). Assumption.</summary>
    public SimTime SpdmMessage { get; init; } = SimTime.FromMicroseconds(5);

    /// <summary>Writing one secure device table entry and invalidating its cached copy (<c>psp.sdte_write</c>). Assumption.</summary>
    public SimTime SdteWrite { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>Filling (zeroing or encrypting) one 4 KiB guest page at launch (<c>psp.launch_page</c>). Assumption.</summary>
    public SimTime LaunchPage { get; init; } = SimTime.FromMicroseconds(4);

    public SimTime Sha384(long bytes) => SimTime.FromPicoseconds(Sha384PerKiB.Picoseconds * bytes / 1024);

    public SimTime Aead(long bytes) => AeadSetup + SimTime.FromPicoseconds(AeadPerKiB.Picoseconds * bytes / 1024);

    /// <summary>Throws <see cref="ParameterException"/> for a negative cost.</summary>
    public PspTiming Validate()
    {
        Check(CommandOverhead, "psp.command_overhead");
        Check(RmpAccess, "psp.rmp_access");
        Check(EcdsaVerify, "psp.ecdsa_verify");
        Check(Ecdh, "psp.ecdh");
        Check(Hmac, "psp.hmac");
        Check(Sha384PerKiB, "psp.sha384_per_kib");
        Check(AeadSetup, "psp.aead_setup");
        Check(AeadPerKiB, "psp.aead_per_kib");
        Check(KeyGeneration, "psp.key_generation");
        Check(RootPortKeyWrite, "psp.root_port_key_write");
        Check(SpdmMessage, "psp.spdm_message");
        Check(SdteWrite, "psp.sdte_write");
        Check(LaunchPage, "psp.launch_page");
        return this;

        static void Check(SimTime value, string key)
        {
            if (value < SimTime.Zero)
            {
                throw new ParameterException(key, value.ToString(), "must not be negative");
            }
        }
    }
}
