using System.Numerics;
using SevTio.Hw.Registers;

namespace SevTio.Hw.Pcie;

/// <summary>
/// A function's 4 KiB type-0 configuration space (PCIe Base 6.x §7.5.1): the standard header with Command, Status,
/// six memory BARs with sizing semantics and the capability pointer; a legacy capability list from 0x40; and the
/// extended-capability chain from 0x100 (header: id 15:0, version 19:16, next 31:20). Capabilities plug in as
/// <see cref="RegisterBlock"/>s; the space fills in their headers and links them in the order they were added.
/// </summary>
/// <remarks>
/// Only what the SEV-TIO model needs is modelled: no I/O BARs, no expansion ROM, no interrupts beyond the RW line
/// register. Every software write is reported through <see cref="Written"/> so a TDISP device can move a locked TDI
/// to ERROR on writes to BARs, MSE or BME.
/// </remarks>
public sealed class ConfigSpace
{
    public const int Size = 4096;
    public const int HeaderSize = 0x40;
    public const int CapabilityStart = 0x40;
    public const int ExtendedCapabilityStart = 0x100;
    public const int BarCount = 6;

    public const uint CommandMemorySpaceEnable = 1u << 1;
    public const uint CommandBusMasterEnable = 1u << 2;

    private readonly RegisterBlock _header;
    private readonly List<Mapping> _mappings = [];
    private readonly short[] _mappingByDword = new short[Size / 4];
    private readonly Register32?[] _bars = new Register32?[BarCount];
    private readonly BarKind[] _barKinds = new BarKind[BarCount];
    private readonly ulong[] _barSizes = new ulong[BarCount];
    private readonly RegisterField _capPointer;
    private RegisterField? _lastCapNext;
    private RegisterField? _lastExtNext;
    private int _nextCapOffset = CapabilityStart;
    private int _nextExtOffset = ExtendedCapabilityStart;

    public ConfigSpace(ushort vendorId, ushort deviceId, uint classCode, byte revisionId = 0, ushort subsystemVendorId = 0, ushort subsystemId = 0, RegisterAccessLog? log = null)
    {
        if (classCode > 0xFF_FFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(classCode), classCode, "the class code is 24 bits");
        }

        Log = log;
        Array.Fill(_mappingByDword, (short)-1);
        _header = new RegisterBlock("Header", HeaderSize, log);

        var id = _header.Define(0x00, "ID", "Vendor ID / Device ID", ((uint)deviceId << 16) | vendorId)
            .WithField(0, 16, FieldAccess.ReadOnly, "VID", "Vendor ID")
            .WithField(16, 16, FieldAccess.ReadOnly, "DID", "Device ID");

        Command = _header.Define(0x04, "CMD_STS", "Command / Status", 1u << 20)
            .WithFlag(0, FieldAccess.ReadOnly, "IOSE", "I/O Space Enable")
            .WithFlag(1, FieldAccess.ReadWrite, "MSE", "Memory Space Enable")
            .WithFlag(2, FieldAccess.ReadWrite, "BME", "Bus Master Enable")
            .WithFlag(3, FieldAccess.ReadOnly, "SCE", "Special Cycle Enable")
            .WithFlag(4, FieldAccess.ReadOnly, "MWIE", "Memory Write and Invalidate")
            .WithFlag(5, FieldAccess.ReadOnly, "VGAPS", "VGA Palette Snoop")
            .WithFlag(6, FieldAccess.ReadWrite, "PERE", "Parity Error Response", modelled: false)
            .WithFlag(7, FieldAccess.ReadOnly, "IDSELS", "IDSEL Stepping")
            .WithFlag(8, FieldAccess.ReadWrite, "SERRE", "SERR# Enable", modelled: false)
            .WithFlag(9, FieldAccess.ReadOnly, "FB2BE", "Fast Back-to-Back Enable")
            .WithFlag(10, FieldAccess.ReadWrite, "ID", "Interrupt Disable", modelled: false)
            .WithReserved(11, 5)
            .WithReserved(16, 3)
            .WithFlag(19, FieldAccess.ReadOnly, "IS", "Interrupt Status")
            .WithFlag(20, FieldAccess.ReadOnly, "CL", "Capabilities List")
            .WithFlag(21, FieldAccess.ReadOnly, "C66", "66 MHz Capable")
            .WithReserved(22, 1)
            .WithFlag(23, FieldAccess.ReadOnly, "FB2BC", "Fast Back-to-Back Capable")
            .WithFlag(24, FieldAccess.WriteOneToClear, "MDPE", "Master Data Parity Error")
            .WithField(25, 2, FieldAccess.ReadOnly, "DEVT", "DEVSEL Timing")
            .WithFlag(27, FieldAccess.WriteOneToClear, "STA", "Signaled Target Abort")
            .WithFlag(28, FieldAccess.WriteOneToClear, "RTA", "Received Target Abort")
            .WithFlag(29, FieldAccess.WriteOneToClear, "RMA", "Received Master Abort")
            .WithFlag(30, FieldAccess.WriteOneToClear, "SSE", "Signaled System Error")
            .WithFlag(31, FieldAccess.WriteOneToClear, "DPE", "Detected Parity Error");

        _header.Define(0x08, "CLASS", "Revision ID / Class Code", (classCode << 8) | revisionId)
            .WithField(0, 8, FieldAccess.ReadOnly, "RID", "Revision ID")
            .WithField(8, 24, FieldAccess.ReadOnly, "CC", "Class Code");

        _header.Define(0x0C, "HDR", "Cache Line Size / Latency Timer / Header Type / BIST")
            .WithField(0, 8, FieldAccess.ReadWrite, "CLS", "Cache Line Size", modelled: false)
            .WithField(8, 8, FieldAccess.ReadOnly, "LT", "Latency Timer")
            .WithField(16, 7, FieldAccess.ReadOnly, "HT", "Header Layout")
            .WithFlag(23, FieldAccess.ReadOnly, "MFD", "Multi-Function Device")
            .WithField(24, 8, FieldAccess.ReadOnly, "BIST", "BIST");

        for (var i = 0; i < BarCount; i++)
        {
            _header.Define(0x10 + (4 * i), $"BAR{i}", $"Base Address Register {i}");
        }

        _header.Define(0x28, "CIS", "Cardbus CIS Pointer").WithField(0, 32, FieldAccess.ReadOnly, "CIS", "Cardbus CIS Pointer");
        _header.Define(0x2C, "SUBSYS", "Subsystem Vendor ID / Subsystem ID", ((uint)subsystemId << 16) | subsystemVendorId)
            .WithField(0, 16, FieldAccess.ReadOnly, "SVID", "Subsystem Vendor ID")
            .WithField(16, 16, FieldAccess.ReadOnly, "SID", "Subsystem ID");
        _header.Define(0x30, "ROM", "Expansion ROM Base Address").WithField(0, 32, FieldAccess.ReadOnly, "ROM", "Expansion ROM Base Address (not implemented)");
        var capPtr = _header.Define(0x34, "CAP_PTR", "Capabilities Pointer").WithReserved(8, 24);
        _capPointer = capPtr.Define(0, 8, FieldAccess.ReadOnly, "CP", "Capabilities Pointer");
        _header.Define(0x3C, "INT", "Interrupt Line / Pin / Min_Gnt / Max_Lat")
            .WithField(0, 8, FieldAccess.ReadWrite, "ILINE", "Interrupt Line", modelled: false)
            .WithField(8, 8, FieldAccess.ReadOnly, "IPIN", "Interrupt Pin")
            .WithField(16, 8, FieldAccess.ReadOnly, "MINGNT", "Min_Gnt")
            .WithField(24, 8, FieldAccess.ReadOnly, "MAXLAT", "Max_Lat");

        _ = id;
        Map(0, _header, ConfigRegion.Header, 0);
    }

    /// <summary>Where logged accesses of every block in this space go.</summary>
    public RegisterAccessLog? Log { get; }

    /// <summary>The standard header (0x00-0x3F).</summary>
    public RegisterBlock Header => _header;

    /// <summary>The Command/Status register.</summary>
    public Register32 Command { get; }

    public bool MemorySpaceEnabled => (Command.StoredValue & CommandMemorySpaceEnable) != 0;

    public bool BusMasterEnabled => (Command.StoredValue & CommandBusMasterEnable) != 0;

    /// <summary>
    /// Every software write, after it took effect. Not a hot path: configuration writes are rare.
    /// </summary>
    public event Action<ConfigWrite>? Written;

    /// <summary>
    /// Implements a memory BAR of <paramref name="size"/> bytes (a power of two, at least 16 B; 64-bit BARs also take
    /// BAR <paramref name="index"/>+1). Software sizes it the usual way: write all ones, read back ~(size-1) | flags.
    /// </summary>
    public void DefineMemoryBar(int index, ulong size, bool is64Bit, bool prefetchable)
    {
        if (index is < 0 or >= BarCount || (is64Bit && index == BarCount - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, is64Bit ? "a 64-bit BAR needs two BAR slots (index 0-4)" : "BAR index is 0-5");
        }

        if (size < 16 || !BitOperations.IsPow2(size) || (!is64Bit && size > (1UL << 31)))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a memory BAR size is a power of two of at least 16 bytes (at most 2 GiB for 32-bit BARs)");
        }

        if (_barKinds[index] != BarKind.None || (is64Bit && _barKinds[index + 1] != BarKind.None) || (index > 0 && _barKinds[index - 1] == BarKind.Memory64))
        {
            throw new InvalidOperationException($"BAR{index} is already in use");
        }

        var sizeBits = BitOperations.Log2(size);
        var lo = _header.At(0x10 + (4 * index))!;
        var flags = (is64Bit ? 0b100u : 0) | (prefetchable ? 0b1000u : 0);
        lo.ResetValue = flags;
        lo.StoredValue = flags;
        lo.WithFlag(0, FieldAccess.ReadOnly, "MSI", "Memory Space Indicator")
            .WithField(1, 2, FieldAccess.ReadOnly, "TYPE", "Memory Type")
            .WithFlag(3, FieldAccess.ReadOnly, "PF", "Prefetchable");
        var loBits = Math.Min(sizeBits, 32);
        if (loBits > 4)
        {
            lo.WithField(4, loBits - 4, FieldAccess.ReadOnly, "BAZ", "Base Address (size bits, hardwired 0)");
        }

        if (loBits < 32)
        {
            lo.WithField(loBits, 32 - loBits, FieldAccess.ReadWrite, "BA", "Base Address");
        }

        _bars[index] = lo;
        _barKinds[index] = is64Bit ? BarKind.Memory64 : BarKind.Memory32;
        _barSizes[index] = size;

        if (is64Bit)
        {
            var hi = _header.At(0x10 + (4 * (index + 1)))!;
            var hiZero = Math.Max(0, sizeBits - 32);
            if (hiZero > 0)
            {
                hi.WithField(0, hiZero, FieldAccess.ReadOnly, "BAZ", "Base Address (size bits, hardwired 0)");
            }

            hi.WithField(hiZero, 32 - hiZero, FieldAccess.ReadWrite, "BAU", "Base Address (upper)");
            _bars[index + 1] = hi;
        }
    }

    public BarKind GetBarKind(int index) => _barKinds[index];

    /// <summary>The BAR's size in bytes, 0 if not implemented.</summary>
    public ulong GetBarSize(int index) => _barSizes[index];

    /// <summary>The base address software programmed (all 64 bits for a 64-bit BAR).</summary>
    public ulong GetBarAddress(int index)
    {
        var kind = _barKinds[index];
        if (kind == BarKind.None)
        {
            return 0;
        }

        ulong address = _bars[index]!.Read() & ~0xFu;
        if (kind == BarKind.Memory64)
        {
            address |= (ulong)_bars[index + 1]!.Read() << 32;
        }

        return address;
    }

    /// <summary>
    /// Links a capability into the legacy list (0x40-0xFF). The block's first dword carries the header (id 7:0,
    /// next pointer 15:8); bits 31:16 belong to the capability. Returns the capability's offset.
    /// </summary>
    public int AddCapability(byte id, RegisterBlock body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var offset = _nextCapOffset;
        if (offset + body.Size > ExtendedCapabilityStart)
        {
            throw new InvalidOperationException($"capability {body.Name} ({body.Size} bytes) does not fit in the legacy capability area");
        }

        var first = body.At(0) ?? body.Define(0, "CAP_HDR", "Capability Header");
        first.Define(0, 8, FieldAccess.ReadOnly, "CAPID", "Capability ID").Hardwire(id);
        var next = first.Define(8, 8, FieldAccess.ReadOnly, "NEXT", "Next Capability Pointer");

        if (_lastCapNext is null)
        {
            _capPointer.Hardwire((uint)offset);
        }
        else
        {
            _lastCapNext.Hardwire((uint)offset);
        }

        _lastCapNext = next;
        Map(offset, body, ConfigRegion.Capability, id);
        _nextCapOffset = offset + body.Size;
        return offset;
    }

    /// <summary>
    /// Links an extended capability into the chain from 0x100. The block's first dword must be free: the space puts the
    /// extended capability header there (id 15:0, version 19:16, next 31:20). Returns the capability's offset.
    /// </summary>
    public int AddExtendedCapability(ushort id, byte version, RegisterBlock body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (version > 0xF)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "the capability version is 4 bits");
        }

        if (body.At(0) is not null)
        {
            throw new InvalidOperationException($"extended capability {body.Name} must leave offset 0 for the header");
        }

        var offset = _nextExtOffset;
        if (offset + body.Size > Size)
        {
            throw new InvalidOperationException($"extended capability {body.Name} ({body.Size} bytes) does not fit in configuration space");
        }

        var header = body.Define(0, "EXT_HDR", "Extended Capability Header", id | ((uint)version << 16))
            .WithField(0, 16, FieldAccess.ReadOnly, "ID", "PCI Express Extended Capability ID")
            .WithField(16, 4, FieldAccess.ReadOnly, "VER", "Capability Version");
        var next = header.Define(20, 12, FieldAccess.ReadOnly, "NEXT", "Next Capability Offset");
        if (_lastExtNext is not null)
        {
            _lastExtNext.Hardwire((uint)offset);
        }

        _lastExtNext = next;
        Map(offset, body, ConfigRegion.ExtendedCapability, id);
        _nextExtOffset = offset + ((body.Size + 3) & ~3);
        return offset;
    }

    /// <summary>The offset of the first extended capability with this id, or -1 (walks the chain as software does).</summary>
    public int FindExtendedCapability(ushort id)
    {
        var offset = ExtendedCapabilityStart;
        for (var guard = 0; offset != 0 && guard < 1024; guard++)
        {
            var header = Read(offset);
            if (header == 0)
            {
                return -1;
            }

            if ((header & 0xFFFF) == id)
            {
                return offset;
            }

            offset = (int)(header >> 20);
        }

        return -1;
    }

    /// <summary>The offset of the first legacy capability with this id, or -1.</summary>
    public int FindCapability(byte id)
    {
        var offset = (int)(Read(0x34) & 0xFC);
        for (var guard = 0; offset != 0 && guard < 48; guard++)
        {
            var header = Read(offset);
            if ((header & 0xFF) == id)
            {
                return offset;
            }

            offset = (int)((header >> 8) & 0xFC);
        }

        return -1;
    }

    /// <summary>A configuration read of the dword at <paramref name="offset"/> (rounded down). Unmapped dwords read 0.</summary>
    public uint Read(int offset)
    {
        if ((uint)offset >= Size)
        {
            return 0;
        }

        var index = _mappingByDword[offset >> 2];
        if (index < 0)
        {
            return 0;
        }

        var m = _mappings[index];
        return m.Block.Read(offset - m.Base);
    }

    /// <summary>
    /// A configuration write of one dword with byte enables. Writes to unmapped offsets are dropped (and logged), as a
    /// function does for unimplemented registers.
    /// </summary>
    public void Write(int offset, uint value, int byteEnables = 0xF)
    {
        if ((uint)offset >= Size)
        {
            return;
        }

        offset &= ~3;
        var index = _mappingByDword[offset >> 2];
        if (index < 0)
        {
            Log?.Add(new RegisterLogEntry(RegisterLogKind.UnmappedAccess, "ConfigSpace", null, offset, value, Register32.ByteMask(byteEnables)));
            Written?.Invoke(new ConfigWrite(offset, value, byteEnables, 0, 0, ConfigRegion.Unmapped, 0));
            return;
        }

        var m = _mappings[index];
        var old = m.Block.Read(offset - m.Base);
        m.Block.Write(offset - m.Base, value, byteEnables);
        var now = m.Block.Read(offset - m.Base);
        var region = m.Region;
        if (region == ConfigRegion.Header)
        {
            region = offset switch
            {
                0x04 => ConfigRegion.Command,
                >= 0x10 and < 0x28 => ConfigRegion.Bar,
                _ => ConfigRegion.Header,
            };
        }

        Written?.Invoke(new ConfigWrite(offset, value, byteEnables, old, now, region, m.CapabilityId));
    }

    /// <summary>Returns every register of every block to its reset value (a Conventional Reset of the function).</summary>
    public void Reset()
    {
        foreach (var m in _mappings)
        {
            m.Block.Reset();
        }
    }

    private void Map(int offset, RegisterBlock block, ConfigRegion region, ushort capabilityId)
    {
        for (var d = offset >> 2; d < (offset + block.Size) >> 2; d++)
        {
            if (_mappingByDword[d] >= 0)
            {
                throw new InvalidOperationException($"block {block.Name} overlaps another block at 0x{d * 4:X3}");
            }
        }

        block.BaseOffset = offset;
        block.Log ??= Log;
        _mappings.Add(new Mapping(offset, block, region, capabilityId));
        var index = (short)(_mappings.Count - 1);
        for (var d = offset >> 2; d < (offset + block.Size) >> 2; d++)
        {
            _mappingByDword[d] = index;
        }
    }

    private readonly record struct Mapping(int Base, RegisterBlock Block, ConfigRegion Region, ushort CapabilityId);
}
