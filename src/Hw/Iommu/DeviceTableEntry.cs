using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// A 256-bit AMD IOMMU device table entry (AMD I/O Virtualization Technology spec #48882, "Device Table Entry"; Linux
/// <c>amd_iommu_types.h</c> DTE_FLAG_*), one per requester id at DeviceTableBase + 32 × RID. Modelled fields:
/// <code>
///  bit  0      V       entry valid; V = 0 passes DMA through untranslated
///  bit  1      TV      translation information valid
///  bits 11:9   Mode    paging mode: 0 no translation (IR/IW still apply), 1–6 levels of the host page table, 7 reserved
///  bits 51:12  Host Page Table Root Pointer[51:12]
///  bit  61     IR      DMA reads allowed
///  bit  62     IW      DMA writes allowed
///  bits 79:64  DomainID  tags IOTLB entries; INVALIDATE_IOMMU_PAGES names it
/// </code>
/// Other bits (guest translation, interrupt remapping, ATS, …) are carried but not interpreted.
/// </summary>
public struct DeviceTableEntry : IEquatable<DeviceTableEntry>
{
    public const int Size = 32;

    public static readonly BitField ValidField = new("V", 0, 1);
    public static readonly BitField TranslationValidField = new("TV", 1, 1);
    public static readonly BitField ModeField = new("Mode", 9, 3);
    public static readonly BitField PageTableRootField = new("Host Page Table Root Pointer", 12, 40);
    public static readonly BitField ReadField = new("IR", 61, 1);
    public static readonly BitField WriteField = new("IW", 62, 1);
    public static readonly BitField DomainIdField = new("DomainID", 64, 16);

    /// <summary>The modelled layout, in bit order.</summary>
    public static readonly IReadOnlyList<BitField> Layout =
        [ValidField, TranslationValidField, ModeField, PageTableRootField, ReadField, WriteField, DomainIdField];

    private Words _words;

    public bool Valid { readonly get => Get(ValidField) != 0; set => Set(ValidField, value ? 1UL : 0); }

    public bool TranslationValid { readonly get => Get(TranslationValidField) != 0; set => Set(TranslationValidField, value ? 1UL : 0); }

    /// <summary>Paging mode: 0 = translation disabled, 1–6 = number of page-table levels.</summary>
    public int Mode { readonly get => (int)Get(ModeField); set => Set(ModeField, (ulong)value); }

    /// <summary>System physical address of the root page table (4 KiB aligned).</summary>
    public ulong PageTableRoot { readonly get => Get(PageTableRootField) << 12; set => Set(PageTableRootField, CheckAligned(value) >> 12); }

    public bool Read { readonly get => Get(ReadField) != 0; set => Set(ReadField, value ? 1UL : 0); }

    public bool Write { readonly get => Get(WriteField) != 0; set => Set(WriteField, value ? 1UL : 0); }

    public ushort DomainId { readonly get => (ushort)Get(DomainIdField); set => Set(DomainIdField, value); }

    /// <summary>A translating entry: V, TV, a <paramref name="levels"/>-level host page table at <paramref name="pageTableRoot"/>.</summary>
    public static DeviceTableEntry Translated(ushort domainId, ulong pageTableRoot, int levels = 4, bool read = true, bool write = true) =>
        new() { Valid = true, TranslationValid = true, Mode = levels, PageTableRoot = pageTableRoot, Read = read, Write = write, DomainId = domainId };

    /// <summary>Mode 0: no translation, the DMA address is the system physical address; IR/IW still apply.</summary>
    public static DeviceTableEntry PassThrough(ushort domainId, bool read = true, bool write = true) =>
        new() { Valid = true, TranslationValid = true, Mode = 0, Read = read, Write = write, DomainId = domainId };

    /// <summary>V = 1, TV = 1, Mode 0, IR = IW = 0: every DMA is refused (Linux's blocked domain).</summary>
    public static DeviceTableEntry Blocked(ushort domainId) => PassThrough(domainId, read: false, write: false);

    /// <summary>The raw 64-bit word <paramref name="index"/> (0–3).</summary>
    public readonly ulong GetWord(int index) => _words[index];

    public void SetWord(int index, ulong value) => _words[index] = value;

    public static DeviceTableEntry Decode(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"a device table entry is {Size} bytes", nameof(source));
        }

        var entry = default(DeviceTableEntry);
        for (var i = 0; i < 4; i++)
        {
            entry._words[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(i * 8)..]);
        }

        return entry;
    }

    public readonly void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a device table entry is {Size} bytes", nameof(destination));
        }

        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], _words[i]);
        }
    }

    public readonly bool Equals(DeviceTableEntry other) =>
        _words[0] == other._words[0] && _words[1] == other._words[1] && _words[2] == other._words[2] && _words[3] == other._words[3];

    public override readonly bool Equals(object? obj) => obj is DeviceTableEntry other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(_words[0], _words[1], _words[2], _words[3]);

    public static bool operator ==(DeviceTableEntry left, DeviceTableEntry right) => left.Equals(right);

    public static bool operator !=(DeviceTableEntry left, DeviceTableEntry right) => !left.Equals(right);

    public override readonly string ToString() =>
        $"DTE {{ V={Valid}, TV={TranslationValid}, Mode={Mode}, Root=0x{PageTableRoot:X}, IR={Read}, IW={Write}, DomainID={DomainId} }}";

    private readonly ulong Get(BitField field) => field.Get(_words[field.Word]);

    private void Set(BitField field, ulong value) => _words[field.Word] = field.Set(_words[field.Word], value);

    private static ulong CheckAligned(ulong address) =>
        (address & 0xFFF) == 0 ? address : throw new ArgumentException($"page table root 0x{address:X} is not 4 KiB aligned", nameof(address));

    [InlineArray(4)]
    private struct Words
    {
        private ulong _element0;
    }
}
