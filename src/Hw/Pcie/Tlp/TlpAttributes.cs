namespace SevTio.Hw.Pcie;

/// <summary>The Attr[2:0] bits (PCIe §2.2.6.3).</summary>
[Flags]
public enum TlpAttributes : byte
{
    None = 0,

    /// <summary>Attr[0]: No Snoop.</summary>
    NoSnoop = 1,

    /// <summary>Attr[1]: Relaxed Ordering.</summary>
    RelaxedOrdering = 2,

    /// <summary>Attr[2]: ID-Based Ordering.</summary>
    IdBasedOrdering = 4,
}
