namespace SevTio.Hw.Iommu;

/// <summary>Why the IOMMU refused a request (the event logged says the same in architectural terms).</summary>
public enum IommuFault
{
    None = 0,

    /// <summary>INVALID_DEVICE_REQUEST: the request crosses a 4 KiB boundary or has no bytes.</summary>
    MalformedRequest,

    /// <summary>INVALID_DEVICE_REQUEST: a T=1 request from a requester without a valid secure device table entry.</summary>
    NoSecureContext,

    /// <summary>
    /// INVALID_DEVICE_REQUEST: a T=1 request arrived on an IDE stream its sDTE does not name (ide_stream_id[0..7]): a
    /// requester id used by another device on another stream. [Model reading: the event code for this case is not public.]
    /// </summary>
    StreamNotBound,

    /// <summary>IO_PAGE_FAULT: the DTE is valid but its translation information is not (TV = 0).</summary>
    TranslationNotValid,

    /// <summary>ILLEGAL_DEV_TABLE_ENTRY: the DTE's paging mode is reserved (7).</summary>
    IllegalDeviceTableEntry,

    /// <summary>IO_PAGE_FAULT: the address is beyond what the DTE's number of levels translates.</summary>
    AddressOutOfRange,

    /// <summary>IO_PAGE_FAULT: an entry on the walk is not present.</summary>
    NotPresent,

    /// <summary>IO_PAGE_FAULT (RZ): an entry has a NextLevel the model does not walk (level skip, 7, a leaf above 1 GiB).</summary>
    MalformedEntry,

    /// <summary>IO_PAGE_FAULT (PE): IR/IW of the DTE, the sDTE or the page-table path forbid the access.</summary>
    PermissionDenied,

    /// <summary>IO_PAGE_FAULT: the translation points outside physical memory (a table or the target page).</summary>
    HostAddressOutOfRange,

    /// <summary>IO_PAGE_FAULT: a trusted request's GPA has no mapping in the guest's nested page table.</summary>
    GpaNotMapped,

    /// <summary>RMP_PAGE_FAULT: the RMP refused the access; see <see cref="IommuTranslation.RmpViolation"/>.</summary>
    RmpViolation,
}
