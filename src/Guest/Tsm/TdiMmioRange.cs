using SevTio.Protocols.Tdisp;

namespace SevTio.Guest.Tsm;

/// <summary>
/// One MMIO range of the interface report placed in the guest's address space: which report entry, which BAR, the
/// guest-physical window and the reported attributes.
/// </summary>
public readonly record struct TdiMmioRange(int ReportIndex, int Bar, ulong Gpa, ulong Size, TdispMmioRangeAttributes Attributes)
{
    /// <summary>
    /// A TEE range the guest asks the PSP to validate and then maps encrypted: neither non-TEE memory nor the MSI-X
    /// table or PBA (the seed skips those: "Currently not supported"), so they stay shared.
    /// </summary>
    public bool IsTee => (Attributes & (TdispMmioRangeAttributes.IsNonTeeMem | TdispMmioRangeAttributes.MsixTable | TdispMmioRangeAttributes.MsixPba)) == 0;

    public ulong End => Gpa + Size;
}
