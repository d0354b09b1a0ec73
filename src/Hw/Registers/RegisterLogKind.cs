namespace SevTio.Hw.Registers;

/// <summary>Why a register access was logged.</summary>
public enum RegisterLogKind : byte
{
    /// <summary>Software read bits the model knows but does not model.</summary>
    UnmodelledRead,

    /// <summary>Software wrote bits the model knows but does not model.</summary>
    UnmodelledWrite,

    /// <summary>Software wrote a non-zero value to reserved bits (RsvdP/RsvdZ or bits no field covers).</summary>
    ReservedWrite,

    /// <summary>Software accessed an offset no register is mapped at (reads return 0, writes are dropped).</summary>
    UnmappedAccess,
}
