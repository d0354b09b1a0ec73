namespace SevTio.Hw.Iommu;

/// <summary>
/// The 12-bit Flags field of IO_PAGE_FAULT, RMP_PAGE_FAULT and INVALID_DEVICE_REQUEST events (bits 27:16 of the second
/// doubleword; Linux <c>EVENT_FLAG_*</c>).
/// </summary>
[Flags]
public enum IommuEventFlags : ushort
{
    None = 0,

    /// <summary>GN: the request carried a PASID (guest translation).</summary>
    Guest = 0x001,

    /// <summary>NX: an instruction fetch.</summary>
    NoExecute = 0x002,

    /// <summary>US: a user-mode request.</summary>
    User = 0x004,

    /// <summary>I: an interrupt request.</summary>
    Interrupt = 0x008,

    /// <summary>PR: the translation was present (the fault is a permission or later check, not a missing page).</summary>
    Present = 0x010,

    /// <summary>RW: the request was a write.</summary>
    Write = 0x020,

    /// <summary>PE: a permission check failed.</summary>
    PermissionError = 0x040,

    /// <summary>RZ: a reserved or unsupported field was set in a table entry.</summary>
    ReservedBit = 0x080,

    /// <summary>TR: the fault happened on a translation (table walk) rather than the final access.</summary>
    Translation = 0x100,
}
