namespace SevTio.Hw.Ide;

/// <summary>What the receiver did with a TLP.</summary>
public enum IdeReceiveStatus : byte
{
    /// <summary>The TLP completed a unit whose MAC verified; its segments were handed to the sink.</summary>
    Verified,

    /// <summary>The TLP is held in an aggregated unit until the unit's MAC arrives; the stream owns it now.</summary>
    Buffered,

    /// <summary>The TLP (and any unit it belonged to) was dropped and handed to the sink's drop path.</summary>
    Dropped,

    /// <summary>Not an IDE TLP; untouched, the caller handles it.</summary>
    NotIde,
}
