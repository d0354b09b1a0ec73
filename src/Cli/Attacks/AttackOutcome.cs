using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;

namespace SevTio.Cli.Attacks;

/// <summary>
/// What happened when an attack ran: who noticed it, the hardware or firmware answer, whether anything forged was
/// committed, whether the benign twin (the same action unmodified) was accepted, and where guest plaintext leaked.
/// </summary>
public sealed record AttackOutcome
{
    public required string Name { get; init; }

    /// <summary>The party that must stop the attack.</summary>
    public required AttackParty Expected { get; init; }

    /// <summary>The party that did notice it (<see cref="AttackParty.None"/> if nobody did).</summary>
    public required AttackParty DetectedBy { get; init; }

    /// <summary>The answer, as the hardware or firmware gave it: a UR, a dropped TLP and the stream state, a status code, an errno.</summary>
    public required string Answer { get; init; }

    /// <summary>True if anything the attacker forged reached memory or state (a byte written, a key accepted, a state entered).</summary>
    public required bool ForgedCommitted { get; init; }

    /// <summary>
    /// True if the attack's benign twin (the unmodified TLP, message or report) was accepted on an identical platform:
    /// the detector refuses the attack, not everything.
    /// </summary>
    public required bool BenignAccepted { get; init; }

    /// <summary>Where the attack's canary (guest plaintext) or a secret was found in host-visible memory or objects; empty if nowhere.</summary>
    public IReadOnlyList<string> Leaks { get; init; } = [];

    /// <summary>Lines that explain the run (what was sent, what each party answered).</summary>
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>The first IDE check failure at the receiver, for link attacks.</summary>
    public IdeCheckFailure? IdeFailure { get; init; }

    /// <summary>The receiving IDE stream's state after the attack, for link attacks.</summary>
    public IdeStreamState? StreamState { get; init; }

    /// <summary>IOMMU events the attack caused (in log order), for DMA attacks.</summary>
    public IReadOnlyList<IommuEvent> IommuEvents { get; init; } = [];

    /// <summary>A PSP or TSM status code (name), when a firmware status is the answer.</summary>
    public string? Status { get; init; }

    /// <summary>The errno a guest sysfs write returned, when the guest is the one that refuses.</summary>
    public string? Errno { get; init; }

    /// <summary>Stopped: the expected party detected it, nothing forged was committed, the benign twin passed, and nothing leaked.</summary>
    public bool Stopped => DetectedBy == Expected && Expected != AttackParty.None && !ForgedCommitted && BenignAccepted && Leaks.Count == 0;
}
