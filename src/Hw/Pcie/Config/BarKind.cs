namespace SevTio.Hw.Pcie;

/// <summary>The decoder type of a memory BAR (bits 2:1 of the BAR).</summary>
public enum BarKind : byte
{
    /// <summary>Not implemented: the BAR reads 0 and ignores writes.</summary>
    None,

    /// <summary>32-bit memory BAR (type 00b).</summary>
    Memory32,

    /// <summary>64-bit memory BAR (type 10b); the next BAR holds the upper 32 address bits.</summary>
    Memory64,
}
