namespace SevTio.Hw.Cpu.Mmio;

/// <summary>How a guest CPU's MMIO access ended.</summary>
public enum MmioAccessStatus
{
    Completed,

    /// <summary>No nested mapping for the GPA (a nested page fault the hypervisor would see).</summary>
    NotMapped,

    /// <summary>The RMP refused the access: a private (C=1) access to a page not assigned, validated and mapped at this
    /// GPA for the guest, or a shared (C=0) access to a guest-owned page.</summary>
    RmpViolation,

    /// <summary>The request reached no BAR, or the device refused it (a TEE range without T=1 in RUN): UR, reads all ones.</summary>
    UnsupportedRequest,

    /// <summary>Not 1, 2, 4 or 8 bytes, or not naturally aligned.</summary>
    BadAccess,
}
