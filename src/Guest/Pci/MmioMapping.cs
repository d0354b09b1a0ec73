namespace SevTio.Guest.Pci;

/// <summary>
/// An <c>ioremap()</c>ed window of a BAR: the device's registers at a GPA, mapped encrypted (a validated TEE range of
/// an accepted device) or shared. Accessors take offsets into the window; an access outside it is a driver bug.
/// </summary>
public readonly struct MmioMapping
{
    private readonly IGuestMmio _mmio;

    internal MmioMapping(IGuestMmio mmio, ulong gpa, ulong length, bool encrypted)
    {
        _mmio = mmio;
        Gpa = gpa;
        Length = length;
        Encrypted = encrypted;
    }

    public ulong Gpa { get; }

    public ulong Length { get; }

    /// <summary>The C-bit of the mapping: accesses go out as T=1 TEE requests.</summary>
    public bool Encrypted { get; }

    public uint Read32(ulong offset) => (uint)_mmio.Read(Address(offset, 4), 4, Encrypted);

    public void Write32(ulong offset, uint value) => _mmio.Write(Address(offset, 4), 4, value, Encrypted);

    public ulong Read64(ulong offset) => _mmio.Read(Address(offset, 8), 8, Encrypted);

    public void Write64(ulong offset, ulong value) => _mmio.Write(Address(offset, 8), 8, value, Encrypted);

    private ulong Address(ulong offset, int size)
    {
        if (_mmio is null || offset > Length || (ulong)size > Length - offset || (offset & ((ulong)size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"a {size}-byte access outside the {Length}-byte mapping, or unaligned");
        }

        return Gpa + offset;
    }
}
