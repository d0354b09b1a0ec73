namespace SevTio.Protocols.Ghcb;

/// <summary>Hypervisor feature bitmap of the GHCB protocol (arch/x86/include/asm/sev-common.h <c>GHCB_HV_FT_*</c>).</summary>
[Flags]
public enum GhcbHypervisorFeatures : ulong
{
    None = 0,
    Snp = 1ul << 0,
    SnpApCreation = 1ul << 1,
    SnpMultiVmpl = 1ul << 5,

    /// <summary><c>GHCB_HV_FT_SNP_SEV_TIO</c>: the hypervisor handles the TIO exits; the guest registers its TSM.</summary>
    SnpSevTio = 1ul << 7,
}
