using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Rmp;

/// <summary>
/// One raw 16-byte RMP entry as stored in memory (Zen 3/4 PPR layout, <c>struct rmpentry_raw</c> in Linux
/// <c>arch/x86/virt/svm/sev.c</c>; reference sev-tio-stack.md §4.1). Low quadword:
/// <code>
///  bit  0      Assigned        0 hypervisor-owned, 1 guest or AMD-SP
///  bit  1      Page_Size       0 4 KiB, 1 2 MiB
///  bit  2      Immutable       1 only the AMD-SP may change the entry
///  bits 50:12  GPA[50:12]      guest physical page the page is mapped at (39 bits)
///  bits 60:51  ASID            owning guest (10 bits); 0 with Assigned = AMD-SP (firmware)
///  bit  61     VMSA            page holds a VM save area
///  bit  62     Validated       set by PVALIDATE, cleared by every RMPUPDATE
/// </code>
/// The high quadword is "other" in the published layout; the architecture keeps the per-VMPL permission masks
/// (APM table 15-36) somewhere in the entry, and this model puts them in the high quadword, one byte per VMPL
/// (bits 7:0 VMPL0 … 31:24 VMPL3). That placement is a model choice, not a documented layout.
/// </summary>
public readonly record struct RmpEntry(ulong Lo, ulong Hi)
{
    /// <summary>Bytes per entry.</summary>
    public const int Size = 16;

    /// <summary>Number of VM privilege levels with a permission mask.</summary>
    public const int VmplCount = 4;

    // Bit positions, used by the field table below and by the getters the access checks call on every request.
    private const int AssignedBit = 0;
    private const int PageSizeBit = 1;
    private const int ImmutableBit = 2;
    private const int GpaShift = 12;
    private const int GpaWidth = 39;
    private const int AsidShift = 51;
    private const int AsidWidth = 10;
    private const int VmsaBit = 61;
    private const int ValidatedBit = 62;
    private const ulong GpaMask = ((1UL << GpaWidth) - 1) << GpaShift;

    public static readonly BitField AssignedField = new("Assigned", AssignedBit, 1);
    public static readonly BitField PageSizeField = new("Page_Size", PageSizeBit, 1);
    public static readonly BitField ImmutableField = new("Immutable", ImmutableBit, 1);
    public static readonly BitField GpaField = new("GPA", GpaShift, GpaWidth);
    public static readonly BitField AsidField = new("ASID", AsidShift, AsidWidth);
    public static readonly BitField VmsaField = new("VMSA", VmsaBit, 1);
    public static readonly BitField ValidatedField = new("Validated", ValidatedBit, 1);

    /// <summary>The whole layout, in bit order (registers as data).</summary>
    public static readonly IReadOnlyList<BitField> Layout =
        [AssignedField, PageSizeField, ImmutableField, GpaField, AsidField, VmsaField, ValidatedField];

    /// <summary>Largest ASID the raw entry can hold (10 bits).</summary>
    public const int MaxAsid = 1023;

    /// <summary>Largest GPA the entry can hold: GPA[50:12].</summary>
    public const ulong MaxGpa = (1UL << 51) - 1;

    /// <summary>The permission mask RMPUPDATE gives VMPL0 when it assigns a page (read, write, execute user and supervisor).</summary>
    public const byte FullVmplPermissions = (byte)(VmplPermissions.Read | VmplPermissions.Write | VmplPermissions.ExecuteUser | VmplPermissions.ExecuteSupervisor);

    public bool Assigned
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ((Lo >> AssignedBit) & 1) != 0;
    }

    public RmpPageSize PageSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (RmpPageSize)((Lo >> PageSizeBit) & 1);
    }

    public bool Immutable
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ((Lo >> ImmutableBit) & 1) != 0;
    }

    /// <summary>The guest physical address of the page (4 KiB aligned).</summary>
    public ulong Gpa
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Lo & GpaMask;
    }

    public int Asid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)((Lo >> AsidShift) & ((1UL << AsidWidth) - 1));
    }

    public bool Vmsa => ((Lo >> VmsaBit) & 1) != 0;

    public bool Validated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ((Lo >> ValidatedBit) & 1) != 0;
    }

    /// <summary>The owner the Assigned/ASID/Immutable fields encode (APM table 15-35).</summary>
    public RmpOwner Owner => !Assigned ? RmpOwner.Hypervisor : Asid != 0 ? RmpOwner.Guest : RmpOwner.Firmware;

    /// <summary>The VMPL permission mask of <paramref name="vmpl"/> (model layout: byte <paramref name="vmpl"/> of the high quadword).</summary>
    public VmplPermissions Permissions(int vmpl)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vmpl);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vmpl, VmplCount);
        return (VmplPermissions)(byte)(Hi >> (vmpl * 8));
    }

    /// <summary>Builds an entry from its fields; throws when a value does not fit its field.</summary>
    public static RmpEntry Create(
        bool assigned,
        RmpPageSize pageSize = RmpPageSize.Size4K,
        bool immutable = false,
        ulong gpa = 0,
        int asid = 0,
        bool vmsa = false,
        bool validated = false,
        ulong hi = 0)
    {
        if ((gpa & 0xFFF) != 0)
        {
            throw new ArgumentException($"GPA 0x{gpa:X} is not 4 KiB aligned", nameof(gpa));
        }

        ulong lo = 0;
        lo = AssignedField.Set(lo, assigned ? 1UL : 0);
        lo = PageSizeField.Set(lo, (ulong)pageSize);
        lo = ImmutableField.Set(lo, immutable ? 1UL : 0);
        lo = GpaField.Set(lo, gpa >> 12);
        lo = AsidField.Set(lo, (ulong)asid);
        lo = VmsaField.Set(lo, vmsa ? 1UL : 0);
        lo = ValidatedField.Set(lo, validated ? 1UL : 0);
        return new RmpEntry(lo, hi);
    }

    public RmpEntry WithValidated(bool validated) => new(ValidatedField.Set(Lo, validated ? 1UL : 0), Hi);

    public RmpEntry WithVmsa(bool vmsa) => new(VmsaField.Set(Lo, vmsa ? 1UL : 0), Hi);

    public RmpEntry WithPageSize(RmpPageSize size) => new(PageSizeField.Set(Lo, (ulong)size), Hi);

    public RmpEntry WithGpa(ulong gpa) => new(GpaField.Set(Lo, gpa >> 12), Hi);

    public RmpEntry WithPermissions(int vmpl, VmplPermissions permissions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vmpl);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vmpl, VmplCount);
        var shift = vmpl * 8;
        return new RmpEntry(Lo, (Hi & ~(0xFFUL << shift)) | ((ulong)(byte)permissions << shift));
    }

    public override string ToString() =>
        $"RmpEntry {{ {Owner}, Assigned={Assigned}, Page_Size={PageSize}, Immutable={Immutable}, GPA=0x{Gpa:X}, ASID={Asid}, VMSA={Vmsa}, Validated={Validated}, Perms=0x{(uint)Hi:X8} }}";
}
