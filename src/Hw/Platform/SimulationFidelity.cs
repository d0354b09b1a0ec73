namespace SevTio.Hw.Platform;

/// <summary>DESIGN.md's <c>sim.fidelity</c>.</summary>
public enum SimulationFidelity : byte
{
    /// <summary>One event per burst (a job slice), per-TLP timing from the link equations. The default for throughput.</summary>
    Burst,

    /// <summary>One event per TLP through every stage (device queue, IDE, link with credits, IOMMU, memory).</summary>
    Packet,
}
