namespace SevTio.Hw.Pcie;

/// <summary>
/// The three flow-control classes of PCIe (§2.6.1) — also the three IDE sub-streams (PR, NPR, CPL), which is why the
/// numeric values match the IDE Sub-Stream encodings 000b, 001b and 010b.
/// </summary>
public enum FlowControlType : byte
{
    /// <summary>Posted requests (MWr, Msg, MsgD): PH and PD credits.</summary>
    Posted = 0,

    /// <summary>Non-posted requests (MRd, IO, Cfg, AtomicOps, DMWr): NPH and NPD credits.</summary>
    NonPosted = 1,

    /// <summary>Completions: CplH and CplD credits.</summary>
    Completion = 2,
}
