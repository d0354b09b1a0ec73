namespace SevTio.Hw.Registers;

/// <summary>
/// How software sees a register field, with the PCIe Base spec's attribute names (§7.4 "Register and Register Bit-Field Types").
/// </summary>
public enum FieldAccess : byte
{
    /// <summary>RO: read-only; the value is set by hardware. Software writes are ignored.</summary>
    ReadOnly,

    /// <summary>RW: read-write.</summary>
    ReadWrite,

    /// <summary>RW1C: a status bit that software clears by writing 1; writing 0 has no effect.</summary>
    WriteOneToClear,

    /// <summary>HwInit: set by hardware or firmware at initialisation, read-only to software afterwards.</summary>
    HardwareInit,

    /// <summary>RsvdP: reserved and preserved. Reads return 0; software must write back what it read (0); other values are logged and ignored.</summary>
    ReservedPreserve,

    /// <summary>RsvdZ: reserved and zero. Reads return 0; software must write 0; a 1 is logged and ignored.</summary>
    ReservedZero,
}
