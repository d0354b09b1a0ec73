namespace SevTio.Protocols.GuestMessages;

/// <summary>Status of TIO_MSG_MMIO_VALIDATE_RSP (include/linux/psp-sev.h <c>enum mmio_validate_status</c>).</summary>
public enum MmioValidateStatus : ushort
{
    Success = 0,
    InvalidTdi = 1,
    TdiUnbound = 2,

    /// <summary>A page is not assigned to this guest.</summary>
    NotAssigned = 3,

    /// <summary>A page is not an I/O (MMIO) page.</summary>
    NotIo = 4,

    /// <summary>RMP.Validated is not uniform across the subrange (and force_validated was clear).</summary>
    NotUniform = 5,

    /// <summary>A page lacks Immutable while Validated is clear.</summary>
    NotImmutable = 6,

    /// <summary>A page is not mapped at the expected GPA.</summary>
    NotMapped = 7,

    /// <summary>The range id is not in the interface report.</summary>
    NotReported = 8,

    /// <summary>The subrange lies outside the reported MMIO range.</summary>
    OutOfRange = 9,

    /// <summary>A page is not 4 KiB.</summary>
    Not4K = 10,
}
