namespace SevTio.Hw.Registers;

/// <summary>One logged register access: which block, which register (if any), the offset, and the offending bits.</summary>
public readonly record struct RegisterLogEntry(RegisterLogKind Kind, string Block, string? Register, int Offset, uint Value, uint Bits)
{
    public override string ToString() =>
        Register is null
            ? $"{Block}+0x{Offset:X3}: {Kind} value=0x{Value:X8}"
            : $"{Block}.{Register} (+0x{Offset:X3}): {Kind} value=0x{Value:X8} bits=0x{Bits:X8}";
}
