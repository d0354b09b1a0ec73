using System.Runtime.CompilerServices;

namespace SevTio.Hw.Registers;

/// <summary>
/// A 32-bit register defined as data: a mnemonic, a readable name, an offset within its block, a reset value and a
/// list of named fields with PCIe access types (Renode's <c>DoubleWordRegister</c> idea, kept small).
/// Software accesses (<see cref="Read"/>, <see cref="Write"/>) apply the access rules and log touches of reserved or
/// unmodelled bits; hardware reads and writes the stored value or a field's <see cref="RegisterField.Value"/> directly.
/// </summary>
/// <remarks>
/// Bits no field covers behave as RsvdP: they read 0 and a non-zero write is logged. Overlapping fields are a
/// configuration error and throw at definition time.
/// </remarks>
public sealed class Register32
{
    private readonly List<RegisterField> _fields = [];
    private uint _definedMask;

    public Register32(string mnemonic, string name, int offset, uint resetValue = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(mnemonic);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (offset < 0 || (offset & 3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"register {mnemonic} must sit at a non-negative dword-aligned offset");
        }

        Mnemonic = mnemonic;
        Name = name;
        Offset = offset;
        ResetValue = resetValue;
        StoredValue = resetValue;
    }

    public string Mnemonic { get; }

    public string Name { get; }

    /// <summary>Byte offset within the owning <see cref="RegisterBlock"/>.</summary>
    public int Offset { get; }

    /// <summary>The value <see cref="Reset"/> restores (hardware wiring such as capability pointers included).</summary>
    public uint ResetValue { get; set; }

    /// <summary>The latched bits as hardware holds them (field providers and reserved masking are not applied).</summary>
    public uint StoredValue { get; set; }

    public IReadOnlyList<RegisterField> Fields => _fields;

    /// <summary>The block this register was added to, used to name log entries; null while unattached.</summary>
    public RegisterBlock? Block { get; internal set; }

    /// <summary>Called after every software write with the register's software-visible value before and after.</summary>
    public Action<Register32, uint, uint>? Written { get; set; }

    /// <summary>Defines a field. Returns the register so definitions chain.</summary>
    public Register32 WithField(int lowBit, int width, FieldAccess access, string mnemonic, string name, bool modelled = true)
    {
        Define(lowBit, width, access, mnemonic, name, modelled);
        return this;
    }

    /// <summary>Defines a one-bit field.</summary>
    public Register32 WithFlag(int bit, FieldAccess access, string mnemonic, string name, bool modelled = true) =>
        WithField(bit, 1, access, mnemonic, name, modelled);

    /// <summary>Marks a reserved range explicitly (RsvdP or RsvdZ), so the log says which kind was violated.</summary>
    public Register32 WithReserved(int lowBit, int width, FieldAccess access = FieldAccess.ReservedPreserve)
    {
        if (access is not (FieldAccess.ReservedPreserve or FieldAccess.ReservedZero))
        {
            throw new ArgumentException("a reserved range must be RsvdP or RsvdZ", nameof(access));
        }

        Define(lowBit, width, access, access == FieldAccess.ReservedZero ? "RsvdZ" : "RsvdP", "Reserved", modelled: true);
        return this;
    }

    /// <summary>Defines a field and returns it, for callers that keep a reference (to attach providers or callbacks).</summary>
    public RegisterField Define(int lowBit, int width, FieldAccess access, string mnemonic, string name, bool modelled = true)
    {
        if (lowBit < 0 || width < 1 || lowBit + width > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"field {mnemonic} [{lowBit}+{width}] does not fit register {Mnemonic}");
        }

        var field = new RegisterField(this, mnemonic, name, lowBit, width, access, modelled);
        if ((_definedMask & field.Mask) != 0)
        {
            throw new InvalidOperationException($"field {mnemonic} overlaps another field of register {Mnemonic}");
        }

        _definedMask |= field.Mask;
        _fields.Add(field);
        return field;
    }

    /// <summary>The field with this mnemonic.</summary>
    public RegisterField this[string mnemonic]
    {
        get
        {
            foreach (var f in _fields)
            {
                if (f.Mnemonic == mnemonic)
                {
                    return f;
                }
            }

            throw new KeyNotFoundException($"register {Mnemonic} has no field {mnemonic}");
        }
    }

    /// <summary>Returns the register to its reset value.</summary>
    public void Reset() => StoredValue = ResetValue;

    /// <summary>The value software reads: reserved and undefined bits read 0, provider-backed fields read live state.</summary>
    public uint Read()
    {
        uint value = 0;
        foreach (var f in _fields)
        {
            if (f.Access is FieldAccess.ReservedPreserve or FieldAccess.ReservedZero)
            {
                continue;
            }

            value |= f.Value << f.LowBit;
            if (!f.IsModelled)
            {
                Log(RegisterLogKind.UnmodelledRead, value, f.Mask);
            }
        }

        return value;
    }

    /// <summary>
    /// A software write. <paramref name="byteEnables"/> selects the bytes written (bit n = byte n), as a configuration
    /// write's First DW BE does; disabled bytes keep their value.
    /// </summary>
    public void Write(uint value, int byteEnables = 0xF)
    {
        var laneMask = ByteMask(byteEnables);
        if (laneMask == 0)
        {
            return;
        }

        var before = Read();
        var stored = StoredValue;

        // Undefined bits are RsvdP: software must write back the 0 it read.
        var stray = value & laneMask & ~_definedMask;
        if (stray != 0)
        {
            Log(RegisterLogKind.ReservedWrite, value, stray);
        }

        foreach (var f in _fields)
        {
            var bits = f.Mask & laneMask;
            if (bits == 0)
            {
                continue;
            }

            if (!f.IsModelled)
            {
                Log(RegisterLogKind.UnmodelledWrite, value, bits);
            }

            switch (f.Access)
            {
                case FieldAccess.ReadWrite:
                    stored = (stored & ~bits) | (value & bits);
                    break;
                case FieldAccess.WriteOneToClear:
                    stored &= ~(value & bits);
                    break;
                case FieldAccess.ReservedPreserve:
                case FieldAccess.ReservedZero:
                    if ((value & bits) != 0)
                    {
                        Log(RegisterLogKind.ReservedWrite, value, value & bits);
                    }

                    break;
                default:
                    // RO and HwInit ignore software writes (PCIe §7.4); software routinely writes them back, so no log.
                    break;
            }
        }

        var old = StoredValue;
        StoredValue = stored;
        foreach (var f in _fields)
        {
            if (f.Written is null || (f.Mask & laneMask) == 0)
            {
                continue;
            }

            var oldField = (old & f.Mask) >> f.LowBit;
            var newField = (stored & f.Mask) >> f.LowBit;
            if (f.Access == FieldAccess.ReadWrite || oldField != newField)
            {
                f.Written(f, oldField, newField);
            }
        }

        Written?.Invoke(this, before, Read());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint ByteMask(int byteEnables) =>
        ((byteEnables & 1) != 0 ? 0x0000_00FFu : 0) |
        ((byteEnables & 2) != 0 ? 0x0000_FF00u : 0) |
        ((byteEnables & 4) != 0 ? 0x00FF_0000u : 0) |
        ((byteEnables & 8) != 0 ? 0xFF00_0000u : 0);

    private void Log(RegisterLogKind kind, uint value, uint bits) =>
        Block?.Log?.Add(new RegisterLogEntry(kind, Block.Name, Mnemonic, Block.BaseOffset + Offset, value, bits));

    public override string ToString() => $"{Mnemonic} ({Name}) @+0x{Offset:X3} = 0x{StoredValue:X8}";
}
