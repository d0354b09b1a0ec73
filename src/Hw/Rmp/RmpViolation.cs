namespace SevTio.Hw.Rmp;

/// <summary>
/// Which RMP check failed (APM vol. 2 §15.36.10, table 15-39, in that table's priority order), or why a nested walk failed.
/// </summary>
public enum RmpViolation
{
    None = 0,

    /// <summary>Hypervisor-Owned check: the page is assigned (to a guest or to the AMD-SP).</summary>
    NotHypervisorOwned,

    /// <summary>The access targets the RMP table itself, which no software or device may write.</summary>
    RmpTableAccess,

    /// <summary>RMP-Covered check: a private access to a page beyond the RMP's end.</summary>
    NotCovered,

    /// <summary>Guest-Owned check: the page is not assigned.</summary>
    NotAssigned,

    /// <summary>Guest-Owned check: the page is assigned to another ASID (or to the AMD-SP).</summary>
    AsidMismatch,

    /// <summary>Reverse-Map check: the entry's GPA is not the GPA of the access.</summary>
    GpaMismatch,

    /// <summary>Mutable check: the entry is immutable.</summary>
    Immutable,

    /// <summary>Page-Size check: the nested mapping and the RMP entry disagree on the page size.</summary>
    PageSizeMismatch,

    /// <summary>Validated check (#VC PAGE_NOT_VALIDATED, 0x404): the page was never PVALIDATEd.</summary>
    NotValidated,

    /// <summary>VMPL check: the VMPL's permission mask does not allow the access.</summary>
    VmplPermission,

    /// <summary>The guest physical address has no mapping in the guest's nested page table.</summary>
    GpaNotMapped,
}
