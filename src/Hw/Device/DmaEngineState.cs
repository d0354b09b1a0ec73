namespace SevTio.Hw.Device;

/// <summary>The DMA engine's states (gem5 CopyEngine style: one state per stage of a descriptor's life).</summary>
public enum DmaEngineState : byte
{
    /// <summary>Nothing to do: disabled, or the ring is empty.</summary>
    Idle = 0,

    /// <summary>Reading the next descriptor from the ring in host memory.</summary>
    DescriptorFetch = 1,

    /// <summary>Moving the job's transfers (DMA writes or reads).</summary>
    DataTransfer = 2,

    /// <summary>Posting the 16-byte completion record.</summary>
    CompletionWrite = 3,

    /// <summary>Sending the MSI-X message.</summary>
    Interrupt = 4,

    /// <summary>Stopped on an error it cannot report through the ring (a failed descriptor fetch); reset or re-enable to resume.</summary>
    Halted = 5,
}
