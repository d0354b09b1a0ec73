namespace SevTio.Hw.Device;

/// <summary>Descriptor flag bits (byte 1 of the descriptor).</summary>
[Flags]
public enum DmaDescriptorFlags : byte
{
    None = 0,

    /// <summary>Transfers land at pseudo-random transfer-sized slots of the window (seeded by SEED); else sequentially.</summary>
    RandomPattern = 1 << 0,

    /// <summary>Send the MSI-X vector of the descriptor after the completion record.</summary>
    Interrupt = 1 << 1,

    /// <summary>
    /// The driver asks for T=0 requests (the shared path). A TDI in RUN refuses this: in RUN every request is T=1
    /// (shared memory is reached at or above vTOM).
    /// </summary>
    NonTee = 1 << 2,

    /// <summary>Write no completion record.</summary>
    NoCompletionRecord = 1 << 3,
}
