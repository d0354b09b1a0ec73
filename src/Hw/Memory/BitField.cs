using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Memory;

/// <summary>
/// A named field of a little-endian in-memory structure (RMP entry, device-table entry, page-table entry, event-log entry),
/// given by its bit offset from the start of the structure and its width, exactly as the specifications number bits.
/// Registers as data: a layout is a table of these, not hand-written shifts scattered over the code.
/// </summary>
/// <param name="Name">The specification's name for the field.</param>
/// <param name="Offset">Bit offset of the least significant bit, counted from bit 0 of the structure.</param>
/// <param name="Width">Width in bits, 1 to 64; a field may not straddle a 64-bit word.</param>
public readonly record struct BitField(string Name, int Offset, int Width)
{
    /// <summary>Index of the 64-bit word that holds the field.</summary>
    public int Word => Offset >> 6;

    /// <summary>Bit position inside <see cref="Word"/>.</summary>
    public int Shift => Offset & 63;

    /// <summary>Mask of the field's value, right-aligned.</summary>
    public ulong ValueMask => Width == 64 ? ulong.MaxValue : (1UL << Width) - 1;

    /// <summary>The largest value the field can hold.</summary>
    public ulong MaxValue => ValueMask;

    /// <summary>Extracts the field from a 64-bit word that already is <see cref="Word"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Get(ulong word) => (word >> Shift) & ValueMask;

    /// <summary>Returns <paramref name="word"/> with the field replaced; throws when the value does not fit.</summary>
    public ulong Set(ulong word, ulong value)
    {
        if ((value & ~ValueMask) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name} is {Width} bits wide");
        }

        return (word & ~(ValueMask << Shift)) | (value << Shift);
    }

    /// <summary>Reads the field from a structure image.</summary>
    public ulong Read(ReadOnlySpan<byte> structure) =>
        Get(BinaryPrimitives.ReadUInt64LittleEndian(structure.Slice(Word * 8, 8)));

    /// <summary>Writes the field into a structure image, leaving every other bit alone.</summary>
    public void Write(Span<byte> structure, ulong value)
    {
        var slot = structure.Slice(Word * 8, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(slot, Set(BinaryPrimitives.ReadUInt64LittleEndian(slot), value));
    }

    public override string ToString() => Width == 1 ? $"{Name}[{Offset}]" : $"{Name}[{Offset + Width - 1}:{Offset}]";
}
