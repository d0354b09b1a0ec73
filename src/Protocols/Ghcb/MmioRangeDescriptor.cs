using System.Numerics;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// RDX of SEV_TIO_GUEST_REQUEST for TIO_MSG_MMIO_VALIDATE / MMIO_CONFIG (uapi sev-guest.h <c>MMIO_VALIDATE_*</c>,
/// <c>MMIO_MK_VALIDATE</c>): b51:12 GPA, b11:4 order (length = 4 KiB &lt;&lt; order), b3 T (private/TEE),
/// b2:0 range id (= BAR), b63:52 reserved. It tells the hypervisor, which cannot read the encrypted message, which
/// range the guest is validating.
/// </summary>
public readonly record struct MmioRangeDescriptor(ulong GuestPhysicalAddress, byte Order, bool Private, byte RangeId)
{
    public const ulong GpaMask = 0x000F_FFFF_FFFF_F000ul;
    public const int OrderShift = 4;
    public const ulong OrderMask = 0xFF0;
    public const ulong PrivateBit = 1ul << 3;
    public const ulong RangeIdMask = 0x7;
    public const ulong ReservedMask = 0xFFF0_0000_0000_0000ul;

    /// <summary>Largest order whose range fits the 52-bit GPA space (4 KiB &lt;&lt; 40 = 2^52).</summary>
    public const byte MaxOrder = 40;

    /// <summary>Bytes covered: 4 KiB &lt;&lt; order.</summary>
    public ulong Length => 4096ul << Math.Min((int)Order, MaxOrder);

    /// <summary>
    /// The descriptor of <paramref name="size"/> bytes at <paramref name="gpa"/>, as <c>MMIO_MK_VALIDATE</c> builds it:
    /// order = <c>get_order(size)</c>, i.e. the smallest power-of-two number of 4 KiB pages that covers the size.
    /// </summary>
    public static MmioRangeDescriptor FromRange(ulong gpa, ulong size, byte rangeId, bool isPrivate)
    {
        if ((gpa & ~GpaMask) != 0)
        {
            throw new ArgumentException($"GPA 0x{gpa:X} must be 4 KiB aligned and below 2^52", nameof(gpa));
        }

        if (size == 0 || rangeId > RangeIdMask)
        {
            throw new ArgumentOutOfRangeException(size == 0 ? nameof(size) : nameof(rangeId));
        }

        if (size > (4096ul << MaxOrder))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "larger than the GPA space");
        }

        var pages = (size + 4095) >> 12;
        var order = (byte)(64 - BitOperations.LeadingZeroCount(pages - 1));
        return new MmioRangeDescriptor(gpa, order, isPrivate, rangeId);
    }

    public ulong ToRdx()
    {
        if ((GuestPhysicalAddress & ~GpaMask) != 0 || RangeId > RangeIdMask || Order > MaxOrder)
        {
            throw new InvalidOperationException($"{this} does not fit the RDX encoding");
        }

        return GuestPhysicalAddress | ((ulong)Order << OrderShift) | (Private ? PrivateBit : 0) | RangeId;
    }

    /// <summary>Decodes RDX as a guest wrote it; reserved bits 63:52 must be clear.</summary>
    public static MmioRangeDescriptor FromRdx(ulong rdx)
    {
        if ((rdx & ReservedMask) != 0)
        {
            throw new ProtocolFormatException("GHCB.SEV_TIO_GUEST_REQUEST.rdx", $"reserved bits 63:52 set (0x{rdx:X16})");
        }

        var order = (byte)((rdx & OrderMask) >> OrderShift);
        if (order > MaxOrder)
        {
            throw new ProtocolFormatException("GHCB.SEV_TIO_GUEST_REQUEST.rdx.order", $"{order} exceeds {MaxOrder}: the range would not fit the 52-bit GPA space");
        }

        return new MmioRangeDescriptor(rdx & GpaMask, order, (rdx & PrivateBit) != 0, (byte)(rdx & RangeIdMask));
    }
}
