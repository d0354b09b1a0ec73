namespace SevTio.Hw.Registers;

/// <summary>
/// One named bit range of a <see cref="Register32"/>, named as the specification names it: a mnemonic ("EN")
/// and a readable name ("Selective IDE Stream Enable"). Fields are data (Renode style): the register applies the
/// access rules, so a field only says where it is, how software may touch it and whom to tell.
/// </summary>
public sealed class RegisterField
{
    internal RegisterField(Register32 register, string mnemonic, string name, int lowBit, int width, FieldAccess access, bool modelled)
    {
        Register = register;
        Mnemonic = mnemonic;
        Name = name;
        LowBit = lowBit;
        Width = width;
        Access = access;
        IsModelled = modelled;
        Mask = (width == 32 ? uint.MaxValue : ((1u << width) - 1)) << lowBit;
    }

    public Register32 Register { get; }

    public string Mnemonic { get; }

    public string Name { get; }

    public int LowBit { get; }

    public int Width { get; }

    public int HighBit => LowBit + Width - 1;

    public FieldAccess Access { get; }

    /// <summary>
    /// False for bits the specification defines but this model does not implement: they read and write like their
    /// access type says, and every software access to them is logged so a user sees what the model ignores.
    /// </summary>
    public bool IsModelled { get; }

    /// <summary>The field's bits within the register.</summary>
    public uint Mask { get; }

    /// <summary>
    /// Supplies the value software reads (for fields that mirror live hardware state, such as a stream's state).
    /// When null the stored value is returned.
    /// </summary>
    public Func<uint>? ValueProvider { get; set; }

    /// <summary>
    /// Called after a software write changed this field, with the old and new field values (already shifted down).
    /// For RW1C fields it is called with the bits that were cleared as the old value and the remaining bits as the new value.
    /// </summary>
    public Action<RegisterField, uint, uint>? Written { get; set; }

    /// <summary>The field's current value as hardware sees it (shifted down to bit 0). Setting it bypasses the access rules.</summary>
    public uint Value
    {
        get => ValueProvider is { } p ? p() & (Mask >> LowBit) : (Register.StoredValue & Mask) >> LowBit;
        set
        {
            var max = Mask >> LowBit;
            if (value > max)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{Register.Mnemonic}.{Mnemonic} is {Width} bits wide");
            }

            Register.StoredValue = (Register.StoredValue & ~Mask) | (value << LowBit);
        }
    }

    /// <summary>
    /// Sets the field as hardware wiring: the value now and after every reset (capability pointers, BAR type bits).
    /// </summary>
    public void Hardwire(uint value)
    {
        Value = value;
        Register.ResetValue = (Register.ResetValue & ~Mask) | (value << LowBit);
    }

    /// <summary>Convenience for one-bit fields.</summary>
    public bool IsSet
    {
        get => Value != 0;
        set => Value = value ? 1u : 0u;
    }

    public override string ToString() =>
        Width == 1 ? $"{Register.Mnemonic}.{Mnemonic}[{LowBit}]" : $"{Register.Mnemonic}.{Mnemonic}[{HighBit}:{LowBit}]";
}
