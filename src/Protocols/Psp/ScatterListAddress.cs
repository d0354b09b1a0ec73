using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// A scatter list address (SLA; sev-dev-tio.h <c>struct sla_addr_t</c>), one u64:
/// b0 page_type, b1 page_size, b11:2 reserved, b51:12 PFN (40 bits), b63:52 reserved.
/// NULL is 0; the end-of-list marker (EOL) is PFN 2^40−1 with every other bit clear.
/// </summary>
/// <remarks>
/// The constructor takes any raw value so a misbehaving host can be modelled; <see cref="Read"/> is what enforces
/// the layout on input.
/// </remarks>
public readonly record struct ScatterListAddress(ulong Value)
{
    public const int Size = 8;

    public const ulong PageTypeBit = 1ul << 0;
    public const ulong PageSizeBit = 1ul << 1;
    public const ulong PfnMask = 0x000F_FFFF_FFFF_F000ul;
    public const int PfnShift = 12;
    public const ulong ReservedMask = 0xFFF0_0000_0000_0FFCul;

    /// <summary>All-ones 40-bit PFN: the EOL marker's PFN.</summary>
    public const ulong EndOfListPfn = (1ul << 40) - 1;

    public const ulong MaxPfn = EndOfListPfn - 1;

    public static ScatterListAddress Null => default;

    public static ScatterListAddress EndOfList => new(EndOfListPfn << PfnShift);

    /// <summary>An SLA of a data page.</summary>
    public static ScatterListAddress Data(ulong pfn, SlaPageSize pageSize = SlaPageSize.Size4K) =>
        Make(pfn, SlaPageType.Data, pageSize);

    /// <summary>An SLA of a 4 KiB scatter page (Linux uses 4 KiB scatter pages only).</summary>
    public static ScatterListAddress Scatter(ulong pfn) => Make(pfn, SlaPageType.Scatter, SlaPageSize.Size4K);

    /// <summary>The SLA of the page holding <paramref name="physicalAddress"/> (must be aligned to the page size).</summary>
    public static ScatterListAddress FromPhysicalAddress(ulong physicalAddress, SlaPageType pageType = SlaPageType.Data, SlaPageSize pageSize = SlaPageSize.Size4K)
    {
        var alignment = pageSize == SlaPageSize.Size2M ? (1ul << 21) : (1ul << 12);
        if ((physicalAddress & (alignment - 1)) != 0)
        {
            throw new ArgumentException($"0x{physicalAddress:X} is not aligned to its {alignment}-byte page", nameof(physicalAddress));
        }

        return Make(physicalAddress >> PfnShift, pageType, pageSize);
    }

    public SlaPageType PageType => (SlaPageType)(Value & PageTypeBit);

    public SlaPageSize PageSize => (SlaPageSize)((Value & PageSizeBit) >> 1);

    public ulong Pfn => (Value & PfnMask) >> PfnShift;

    public ulong PhysicalAddress => Value & PfnMask;

    /// <summary>Bytes of the page this SLA points at: 4 KiB or 2 MiB.</summary>
    public int PageBytes => PageSize == SlaPageSize.Size2M ? 2 * 1024 * 1024 : 4096;

    public bool IsNull => Value == 0;

    public bool IsEndOfList => Value == EndOfListPfn << PfnShift;

    public bool HasReservedBits => (Value & ReservedMask) != 0;

    public void Write(ref WireWriter writer) => writer.WriteUInt64(Value);

    /// <summary>
    /// Reads an SLA field of a command buffer: reserved bits must be clear and EOL (meaningful only inside a scatter
    /// page) is refused. NULL is accepted; whether a NULL is allowed in this field is the firmware's decision.
    /// </summary>
    public static ScatterListAddress Read(ref WireReader reader, string field)
    {
        var sla = new ScatterListAddress(reader.ReadUInt64(field));
        if (sla.HasReservedBits)
        {
            reader.Fail(field, $"reserved bits set in SLA 0x{sla.Value:X16}");
        }

        if (sla.IsEndOfList)
        {
            reader.Fail(field, "EOL marker outside a scatter page");
        }

        return sla;
    }

    public override string ToString() =>
        IsNull ? "SLA(NULL)" : IsEndOfList ? "SLA(EOL)" : $"SLA({PageType} {PageSize} pfn=0x{Pfn:X})";

    private static ScatterListAddress Make(ulong pfn, SlaPageType pageType, SlaPageSize pageSize)
    {
        if (pfn > MaxPfn)
        {
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "PFN must fit 40 bits and not be the EOL marker");
        }

        return new ScatterListAddress((pfn << PfnShift) | ((ulong)pageSize << 1) | (ulong)pageType);
    }
}
