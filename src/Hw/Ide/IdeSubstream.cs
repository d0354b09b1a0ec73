namespace SevTio.Hw.Ide;

/// <summary>
/// IDE sub-stream values (PCIe §6.33.4): one per flow-control class. 011b-110b are reserved (receiving one is an
/// IDE Check Failed); 111b is Flit-Mode only and marks a non-IDE TLP carrying OHC-C.
/// </summary>
public enum IdeSubstream : byte
{
    /// <summary>PR: posted requests.</summary>
    Posted = 0b000,

    /// <summary>NPR: non-posted requests.</summary>
    NonPosted = 0b001,

    /// <summary>CPL: completions.</summary>
    Completion = 0b010,

    /// <summary>Flit Mode: a non-IDE TLP that carries OHC-C only for its Requester Segment.</summary>
    NonIdeWithOhcC = 0b111,
}
