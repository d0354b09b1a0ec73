using System.Buffers.Binary;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// One 128-bit event-log entry in the AMD layout (spec #48882 "Event Logging"; decoded as Linux <c>iommu_print_event</c>,
/// <c>amd_iommu_report_rmp_fault</c> do):
/// <code>
///  dword 0  bits 15:0   DeviceID (requester id)
///           bits 23:16  FlagsRmp (RMP_PAGE_FAULT only)
///  dword 1  bits 15:0   DomainID (IO_PAGE_FAULT) or VMG tag (RMP_PAGE_FAULT)
///           bits 27:16  Flags
///           bits 31:28  EventCode
///  dwords 2–3           Address (the DMA address as issued: IOVA, or GPA for trusted DMA)
/// </code>
/// The architecture's FlagsRmp bit assignments are not public; this model stores the failed <see cref="Rmp.RmpViolation"/>
/// there, and the VMG tag carries the guest ASID of a trusted request.
/// </summary>
public readonly record struct IommuEvent(
    IommuEventCode Code,
    ushort DeviceId,
    ushort DomainOrTag,
    IommuEventFlags Flags,
    byte FlagsRmp,
    ulong Address)
{
    public const int Size = 16;

    public static readonly BitField DeviceIdField = new("DeviceID", 0, 16);
    public static readonly BitField FlagsRmpField = new("FlagsRmp", 16, 8);
    public static readonly BitField DomainOrTagField = new("DomainID/VMG tag", 32, 16);
    public static readonly BitField FlagsField = new("Flags", 48, 12);
    public static readonly BitField EventCodeField = new("EventCode", 60, 4);
    public static readonly BitField AddressField = new("Address", 64, 64);

    /// <summary>True for a write request (Flags.RW).</summary>
    public bool IsWrite => (Flags & IommuEventFlags.Write) != 0;

    /// <summary>For RMP_PAGE_FAULT: the RMP check that failed (model encoding of FlagsRmp).</summary>
    public Rmp.RmpViolation RmpViolation => (Rmp.RmpViolation)FlagsRmp;

    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"an event is {Size} bytes", nameof(destination));
        }

        ulong w0 = DeviceIdField.Set(0, DeviceId);
        w0 = FlagsRmpField.Set(w0, FlagsRmp);
        w0 = DomainOrTagField.Set(w0, DomainOrTag);
        w0 = FlagsField.Set(w0, (ulong)Flags & FlagsField.ValueMask);
        w0 = EventCodeField.Set(w0, (ulong)Code & 0xF);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, w0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Address);
    }

    public static IommuEvent Decode(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"an event is {Size} bytes", nameof(source));
        }

        var w0 = BinaryPrimitives.ReadUInt64LittleEndian(source);
        return new IommuEvent(
            (IommuEventCode)EventCodeField.Get(w0),
            (ushort)DeviceIdField.Get(w0),
            (ushort)DomainOrTagField.Get(w0),
            (IommuEventFlags)FlagsField.Get(w0),
            (byte)FlagsRmpField.Get(w0),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
    }

    public override string ToString() => Code switch
    {
        IommuEventCode.RmpPageFault => $"RMP_PAGE_FAULT device={DeviceId:x4} vmg_tag=0x{DomainOrTag:x4} gpa=0x{Address:x} flags_rmp={RmpViolation} flags={Flags}",
        IommuEventCode.IoPageFault => $"IO_PAGE_FAULT device={DeviceId:x4} domain=0x{DomainOrTag:x4} address=0x{Address:x} flags={Flags}",
        _ => $"{Code} device={DeviceId:x4} tag=0x{DomainOrTag:x4} address=0x{Address:x} flags={Flags}",
    };
}
