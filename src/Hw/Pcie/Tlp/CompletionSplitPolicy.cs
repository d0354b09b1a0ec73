namespace SevTio.Hw.Pcie;

/// <summary>How a completer cuts a read's data into completions (PCIe §2.3.1.1; the DESIGN key <c>host.completion_split</c>).</summary>
public enum CompletionSplitPolicy : byte
{
    /// <summary>Completions of up to MPS bytes, each one but the last ending on an RCB boundary (most modern root complexes).</summary>
    MaxPayload,

    /// <summary>One completion per RCB-aligned block (observed on older chipsets; pcie-bench's <c>rcb_chunks</c>).</summary>
    ReadCompletionBoundary,
}
