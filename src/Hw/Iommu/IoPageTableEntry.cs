using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// A 64-bit AMD v1 I/O page table entry (PDE or PTE; spec #48882 "I/O Page Tables for Host Translations"; Linux
/// <c>IOMMU_PTE_*</c>, <c>PM_LEVEL_ENC</c>):
/// <code>
///  bit  0      PR         present
///  bits 11:9   NextLevel  level of the table this PDE points to (1–6); 0 = this entry maps a page of its level's size
///  bits 51:12  Address    next table, or the page's system physical address
///  bit  59     U          untranslated access only (not modelled)
///  bit  60     FC         force coherent (not modelled)
///  bit  61     IR         read permission  (ANDed over every level of the walk)
///  bit  62     IW         write permission (ANDed over every level of the walk)
/// </code>
/// NextLevel = 7 (replicated large pages) and level skipping are legal in the architecture but not modelled: the walk
/// reports them as malformed.
/// </summary>
public readonly record struct IoPageTableEntry(ulong Raw)
{
    public const int Size = 8;

    public static readonly BitField PresentField = new("PR", 0, 1);
    public static readonly BitField NextLevelField = new("NextLevel", 9, 3);
    public static readonly BitField AddressField = new("Address", 12, 40);
    public static readonly BitField UntranslatedField = new("U", 59, 1);
    public static readonly BitField ForceCoherentField = new("FC", 60, 1);
    public static readonly BitField ReadField = new("IR", 61, 1);
    public static readonly BitField WriteField = new("IW", 62, 1);

    public static readonly IReadOnlyList<BitField> Layout =
        [PresentField, NextLevelField, AddressField, UntranslatedField, ForceCoherentField, ReadField, WriteField];

    public bool Present => (Raw & 1) != 0;

    public int NextLevel => (int)NextLevelField.Get(Raw);

    /// <summary>The address field as a byte address (4 KiB aligned).</summary>
    public ulong Address => AddressField.Get(Raw) << 12;

    public bool Read => ReadField.Get(Raw) != 0;

    public bool Write => WriteField.Get(Raw) != 0;

    /// <summary>A PDE pointing at a table of level <paramref name="nextLevel"/>.</summary>
    public static IoPageTableEntry Directory(ulong nextTable, int nextLevel, bool read = true, bool write = true) =>
        new(Compose(nextTable, nextLevel, read, write));

    /// <summary>A leaf mapping a page (NextLevel = 0).</summary>
    public static IoPageTableEntry Leaf(ulong page, bool read = true, bool write = true) => new(Compose(page, 0, read, write));

    public override string ToString() =>
        $"IoPte {{ PR={Present}, NextLevel={NextLevel}, Address=0x{Address:X}, IR={Read}, IW={Write} }}";

    private static ulong Compose(ulong address, int nextLevel, bool read, bool write)
    {
        if ((address & 0xFFF) != 0)
        {
            throw new ArgumentException($"address 0x{address:X} is not 4 KiB aligned", nameof(address));
        }

        ulong raw = PresentField.Set(0, 1);
        raw = NextLevelField.Set(raw, (ulong)nextLevel);
        raw = AddressField.Set(raw, address >> 12);
        raw = ReadField.Set(raw, read ? 1UL : 0);
        return WriteField.Set(raw, write ? 1UL : 0);
    }
}
