namespace SevTio.Guest.Pci;

/// <summary>
/// A TEE MMIO range the PSP validated at accept: a "PCI MMIO Encrypted" resource (<c>IORES_DESC_ENCRYPTED</c>) that
/// <c>ioremap()</c> must map with the C-bit, never shared (IORES_MUST_ENCRYPT).
/// </summary>
public readonly record struct EncryptedMmioResource(int Bar, ulong Start, ulong Size)
{
    public ulong End => Start + Size;

    public bool Overlaps(ulong gpa, ulong length) => gpa < End && Start < gpa + length;

    public bool Contains(ulong gpa, ulong length) => gpa >= Start && length <= Size && gpa - Start <= Size - length;
}
