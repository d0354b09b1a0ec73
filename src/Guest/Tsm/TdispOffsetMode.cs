namespace SevTio.Guest.Tsm;

/// <summary>
/// How the guest turns a reported FIRST_PAGE (a byte address with the device's MMIO_REPORTING_OFFSET added, PCIe
/// §11.3.11) into an offset inside the BAR named by RANGE_ID.
/// </summary>
public enum TdispOffsetMode
{
    /// <summary>
    /// The seed's <c>get_range</c>: offset = FIRST_PAGE − the smallest FIRST_PAGE reported for the same RANGE_ID, i.e.
    /// each BAR's lowest reported range starts at offset 0. Works for any reporting offset. (The seed adds this offset
    /// to the BAR start without shifting it — right only for offset 0; here it is used as the byte offset it is.)
    /// </summary>
    RelativeToFirstRange,

    /// <summary>
    /// Later kernels' <c>TDISP_OFFSET_BAR_ALIGN</c>: offset = FIRST_PAGE masked by the BAR size, right when the host BAR
    /// address plus the reporting offset is BAR-size aligned.
    /// </summary>
    BarAligned,
}
