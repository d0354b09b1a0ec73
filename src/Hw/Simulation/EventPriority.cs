namespace SevTio.Hw.Simulation;

/// <summary>
/// Orders events that fall on the same picosecond, lowest first (gem5 <c>eventq.hh</c> style: each class says why it sits where it does).
/// Events of equal time and priority run in the order they were scheduled.
/// </summary>
public enum EventPriority : byte
{
    /// <summary>Flow-control credits and freed tags return first, so a sender woken in the same tick sees them.</summary>
    CreditReturn = 10,

    /// <summary>A stage finishing (a TLP leaving the wire, a walk returning) before new work is admitted.</summary>
    Completion = 20,

    /// <summary>Ordinary model work.</summary>
    Default = 50,

    /// <summary>New requests issued by initiators after the tick's completions were seen.</summary>
    Request = 60,

    /// <summary>Software-visible reactions (interrupt handlers, drivers) after the hardware settled in this tick.</summary>
    Software = 100,

    /// <summary>Sampling and statistics run last, so they observe the settled state of the tick.</summary>
    Statistics = 250,
}
