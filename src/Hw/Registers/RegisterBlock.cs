namespace SevTio.Hw.Registers;

/// <summary>
/// A set of registers at dword offsets within a window of <see cref="Size"/> bytes: a configuration header, a
/// capability body, a mailbox. Accesses to offsets with no register read 0, drop writes, and are logged.
/// </summary>
public class RegisterBlock
{
    private readonly Register32?[] _byDword;
    private readonly List<Register32> _registers = [];

    public RegisterBlock(string name, int size, RegisterAccessLog? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (size <= 0 || (size & 3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"block {name} must be a positive whole number of dwords");
        }

        Name = name;
        Size = size;
        Log = log;
        _byDword = new Register32?[size / 4];
    }

    public string Name { get; }

    /// <summary>Window size in bytes.</summary>
    public int Size { get; }

    /// <summary>Where the block sits in its parent space (e.g. a capability's offset in config space); used in log entries.</summary>
    public int BaseOffset { get; internal set; }

    /// <summary>Where logged accesses go; null discards them.</summary>
    public RegisterAccessLog? Log { get; set; }

    public IReadOnlyList<Register32> Registers => _registers;

    /// <summary>Maps a register at its offset. Two registers at one offset are a configuration error.</summary>
    public Register32 Add(Register32 register)
    {
        ArgumentNullException.ThrowIfNull(register);
        if (register.Offset + 4 > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(register), $"register {register.Mnemonic} at 0x{register.Offset:X} lies outside block {Name} ({Size} bytes)");
        }

        ref var slot = ref _byDword[register.Offset / 4];
        if (slot is not null)
        {
            throw new InvalidOperationException($"block {Name} already maps {slot.Mnemonic} at 0x{register.Offset:X}");
        }

        if (register.Block is not null)
        {
            throw new InvalidOperationException($"register {register.Mnemonic} already belongs to block {register.Block.Name}");
        }

        register.Block = this;
        slot = register;
        _registers.Add(register);
        return register;
    }

    /// <summary>Creates, maps and returns a register.</summary>
    public Register32 Define(int offset, string mnemonic, string name, uint resetValue = 0) =>
        Add(new Register32(mnemonic, name, offset, resetValue));

    /// <summary>The register at a dword-aligned offset, or null.</summary>
    public Register32? At(int offset) =>
        offset >= 0 && offset < Size && (offset & 3) == 0 ? _byDword[offset / 4] : null;

    /// <summary>The register with this mnemonic.</summary>
    public Register32 this[string mnemonic]
    {
        get
        {
            foreach (var r in _registers)
            {
                if (r.Mnemonic == mnemonic)
                {
                    return r;
                }
            }

            throw new KeyNotFoundException($"block {Name} has no register {mnemonic}");
        }
    }

    /// <summary>A software dword read at a byte offset (rounded down to the dword).</summary>
    public virtual uint Read(int offset)
    {
        var r = RegisterAtByte(offset);
        if (r is null)
        {
            Log?.Add(new RegisterLogEntry(RegisterLogKind.UnmappedAccess, Name, null, BaseOffset + (offset & ~3), 0, 0));
            return 0;
        }

        return r.Read();
    }

    /// <summary>A software dword write with byte enables (bit n = byte n of the dword).</summary>
    public virtual void Write(int offset, uint value, int byteEnables = 0xF)
    {
        var r = RegisterAtByte(offset);
        if (r is null)
        {
            Log?.Add(new RegisterLogEntry(RegisterLogKind.UnmappedAccess, Name, null, BaseOffset + (offset & ~3), value, Register32.ByteMask(byteEnables)));
            return;
        }

        r.Write(value, byteEnables);
    }

    /// <summary>Returns every register to its reset value.</summary>
    public void Reset()
    {
        foreach (var r in _registers)
        {
            r.Reset();
        }
    }

    private Register32? RegisterAtByte(int offset) =>
        offset >= 0 && offset < Size ? _byDword[offset >> 2] : null;
}
