namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// Layout of the SNP secrets page the firmware writes at launch (SNP ABI; Linux <c>struct snp_secrets_page</c>):
/// version u32 @0, imien @4, fms @8, reserved @12, gosvw[16] @0x10, VMPCK0..3 (32 bytes each) @0x20, @0x40, @0x60,
/// @0x80, OS area @0xA0. The page is guest-private: only the guest, decrypting with its memory key, reads the VMPCKs.
/// </summary>
public static class SnpSecretsPage
{
    public const int Size = 4096;
    public const int VersionOffset = 0x00;

    /// <summary>Version the model writes.</summary>
    public const uint Version = 3;

    public const int VmpckLength = 32;
    public const int VmpckCount = 4;

    /// <summary>Offset of VMPCK<paramref name="index"/> (0–3).</summary>
    public static int VmpckOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, VmpckCount);
        return 0x20 + (index * VmpckLength);
    }

    /// <summary>Start of the OS area (message sequence counters live here in Linux).</summary>
    public const int OsAreaOffset = 0xA0;
}
