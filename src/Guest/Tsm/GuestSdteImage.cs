using System.Buffers.Binary;
using SevTio.Protocols.GuestMessages;

namespace SevTio.Guest.Tsm;

/// <summary>
/// The 64-byte sDTE image the guest sends in TIO_MSG_SDTE_WRITE_REQ (seed <c>struct sdte</c>, reference §4.2). The guest
/// fills only the fields it may write — V (bit 0), IR (61), IW (62), VMPL (242:241), vTOM_EN (320), vTOM (351:321, in
/// 2 MiB units) — and leaves the PSP/hypervisor fields zero; an all-zero image clears the entry (unlock).
/// </summary>
public static class GuestSdteImage
{
    public const int ValidBit = 0;
    public const int ReadBit = 61;
    public const int WriteBit = 62;
    public const int VmplShift = 241;
    public const int VTomEnableBit = 320;
    public const int VTomShift = 321;
    public const uint MaxVTomUnits = 0x7FFF_FFFF;

    /// <summary>The seed's module parameter <c>tsm_vtom</c>: the 31-bit field at its maximum, every DMA address private.</summary>
    public const uint SeedVTomUnits = 0x7FFF_FFFF;

    /// <summary>Trusted DMA on: V, IR, IW, VMPL <paramref name="vmpl"/>, vTOM_EN and vTOM = <paramref name="vTomUnits"/>.</summary>
    public static SecureDeviceTableEntryImage Enable(uint vTomUnits, int vmpl = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vTomUnits, MaxVTomUnits);
        ArgumentOutOfRangeException.ThrowIfNegative(vmpl);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vmpl, 3);
        Span<byte> bytes = stackalloc byte[SecureDeviceTableEntryImage.Length];
        bytes.Clear();
        SetBits(bytes, ValidBit, 1, 1);
        SetBits(bytes, ReadBit, 1, 1);
        SetBits(bytes, WriteBit, 1, 1);
        SetBits(bytes, VmplShift, 2, (ulong)vmpl);
        SetBits(bytes, VTomEnableBit, 1, 1);
        SetBits(bytes, VTomShift, 31, vTomUnits);
        return SecureDeviceTableEntryImage.FromBytes(bytes);
    }

    /// <summary>The all-zero image: trusted DMA off (unlock).</summary>
    public static SecureDeviceTableEntryImage Clear() => default;

    private static void SetBits(Span<byte> bytes, int shift, int width, ulong value)
    {
        // Every guest field lies inside one little-endian u64 word.
        var word = shift / 64;
        var bit = shift % 64;
        var slot = bytes.Slice(word * 8, 8);
        var mask = (width == 64 ? ulong.MaxValue : (1UL << width) - 1) << bit;
        var current = BinaryPrimitives.ReadUInt64LittleEndian(slot);
        BinaryPrimitives.WriteUInt64LittleEndian(slot, (current & ~mask) | ((value << bit) & mask));
    }
}
