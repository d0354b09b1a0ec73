namespace SevTio.Guest.Pci;

/// <summary>
/// CPU loads and stores to device MMIO at guest-physical addresses, as the platform routes them (nested page table →
/// root complex → device). <c>encrypted</c> is the C-bit of the guest's mapping: set for the TEE ranges the PSP
/// validated after accept (the request then goes out with T=1 inside the IDE stream), clear for shared MMIO.
/// </summary>
/// <remarks>Sizes are 1, 2, 4 or 8 bytes. A request the device or the RMP refuses reads as all ones, as an
/// unsupported request does; the platform decides and logs.</remarks>
public interface IGuestMmio
{
    ulong Read(ulong gpa, int size, bool encrypted);

    void Write(ulong gpa, int size, ulong value, bool encrypted);
}
