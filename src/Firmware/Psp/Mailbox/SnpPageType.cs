namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>Page types of SNP_LAUNCH_UPDATE (SNP ABI <c>SNP_PAGE_TYPE_*</c>); VMSA and CPUID pages are not modelled.</summary>
public enum SnpPageType : byte
{
    /// <summary>The page's contents are encrypted in place under the guest key and measured.</summary>
    Normal = 1,
    Vmsa = 2,

    /// <summary>The firmware zeroes the page under the guest key.</summary>
    Zero = 3,

    /// <summary>Encrypted in place, not measured.</summary>
    Unmeasured = 4,

    /// <summary>The firmware writes the secrets page (VMPCK0–3) under the guest key.</summary>
    Secrets = 5,
    Cpuid = 6,
}
