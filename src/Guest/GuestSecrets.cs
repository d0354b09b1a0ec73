using System.Buffers.Binary;
using SevTio.Hw.Rmp;

namespace SevTio.Guest;

/// <summary>
/// The guest's VM platform communication key and its index, as the PSP put them in the SNP secrets page at launch (a
/// private page only the guest can read). Until the platform defines how the secrets page reaches the guest model,
/// the platform passes the key here; the kernel copies it into its message layer and never writes it to shared memory.
/// </summary>
public sealed class GuestSecrets
{
    public GuestSecrets(ReadOnlySpan<byte> vmpck, byte vmpckId)
    {
        if (vmpck.Length != 32)
        {
            throw new ArgumentException("a VMPCK is 32 bytes", nameof(vmpck));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(vmpckId, (byte)3);
        Vmpck = vmpck.ToArray();
        VmpckId = vmpckId;
    }

    /// <summary>The 32-byte AES-256-GCM key (VMPCKn).</summary>
    public byte[] Vmpck { get; }

    /// <summary>n of VMPCKn (0–3); the sev-guest driver's <c>vmpck_id</c>.</summary>
    public byte VmpckId { get; }

    /// <summary>The OS-area message sequence counter for this VMPCK (0 for a fresh guest).</summary>
    public uint SequenceCounter { get; init; }

    /// <summary>Where the counter lives in private memory (the secrets page's OS area), or 0 to keep it in the kernel only.</summary>
    public ulong SequenceCounterGpa { get; init; }

    /// <summary>Offset of VMPCK0 in the secrets page (Linux <c>struct snp_secrets_page</c>: VMPCK0..3 at 0x20, 32 bytes each).</summary>
    public const int VmpckOffset = 0x20;

    /// <summary>Offset of the OS area, whose first four u32 are <c>msg_seqno_0..3</c> (Linux <c>struct secrets_os_area</c>).</summary>
    public const int OsAreaOffset = 0xA0;

    /// <summary>
    /// Reads VMPCK<paramref name="vmpckId"/> and its sequence counter from the SNP secrets page at
    /// <paramref name="secretsGpa"/> (a private page the PSP filled at launch; the read uses the C-bit).
    /// </summary>
    /// <exception cref="InvalidOperationException">The page cannot be read privately (not the guest's, or not validated).</exception>
    public static GuestSecrets FromSecretsPage(GuestMemoryView memory, ulong secretsGpa, byte vmpckId)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vmpckId, (byte)3);
        Span<byte> key = stackalloc byte[32];
        Span<byte> counter = stackalloc byte[4];
        var counterGpa = secretsGpa + OsAreaOffset + (4UL * vmpckId);
        var read = memory.Read(secretsGpa + VmpckOffset + (32UL * vmpckId), key, encrypted: true);
        if (read.Succeeded)
        {
            read = memory.Read(counterGpa, counter, encrypted: true);
        }

        if (!read.Succeeded)
        {
            throw new InvalidOperationException($"the secrets page at 0x{secretsGpa:X} cannot be read: {read}");
        }

        var secrets = new GuestSecrets(key, vmpckId)
        {
            SequenceCounter = BinaryPrimitives.ReadUInt32LittleEndian(counter),
            SequenceCounterGpa = counterGpa,
        };
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        return secrets;
    }
}
