namespace SevTio.Guest.Pci;

/// <summary>A memory BAR as the guest enumerated it: index, guest-physical address (0 = unassigned), size, flags.</summary>
public readonly record struct PciBar(int Index, ulong Address, ulong Size, bool Is64Bit, bool Prefetchable)
{
    public ulong End => Address + Size;

    public bool IsAssigned => Address != 0 && Size != 0;

    public bool Contains(ulong gpa, ulong length) => gpa >= Address && length <= Size && gpa - Address <= Size - length;
}
