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
}
