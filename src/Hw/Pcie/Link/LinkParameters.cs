using System.Globalization;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>
/// Everything that fixes a link's timing: generation, width, Flit Mode, MPS, MRRS, RCB and the completion split
/// policy, credits each side advertises, propagation latency and the credit return latency. Keys in errors match the
/// CLI's (<c>link.gen</c>, <c>link.width</c>, ...).
/// </summary>
public sealed record LinkParameters
{
    public PcieGeneration Generation { get; init; } = PcieGeneration.Gen5;

    /// <summary>Lanes: 1, 2, 4, 8 or 16.</summary>
    public int Width { get; init; } = 16;

    /// <summary>Flit Mode. Gen 6 always runs in Flit Mode; gen 1-5 may (PCIe 6.x §4.2.3.1).</summary>
    public bool FlitMode { get; init; }

    public int MaxPayloadSize { get; init; } = 256;

    public int MaxReadRequestSize { get; init; } = 512;

    public int ReadCompletionBoundary { get; init; } = 64;

    public CompletionSplitPolicy CompletionSplit { get; init; } = CompletionSplitPolicy.MaxPayload;

    /// <summary>Time from the last bit leaving the transmitter to the TLP being available at the receiver's transaction layer.</summary>
    public SimTime PropagationLatency { get; init; } = SimTime.FromNanoseconds(20);

    /// <summary>
    /// Time from a receiver freeing buffer space to the transmitter seeing the credits (UpdateFC scheduling, the DLLP's
    /// trip back and its processing).
    /// </summary>
    public SimTime CreditReturnLatency { get; init; } = SimTime.FromNanoseconds(100);

    /// <summary>Credits the upstream port (the device) advertises: what the root port may send it.</summary>
    public FlowControlCredits UpstreamPortCredits { get; init; } = FlowControlCredits.Default;

    /// <summary>Credits the downstream port (the root port) advertises: what the device may send it.</summary>
    public FlowControlCredits DownstreamPortCredits { get; init; } = FlowControlCredits.Default;

    /// <summary>True when the link runs in Flit Mode (always at gen 6).</summary>
    public bool IsFlitMode => FlitMode || Generation == PcieGeneration.Gen6;

    /// <summary>Throws <see cref="ParameterException"/> naming the first bad setting.</summary>
    public LinkParameters Validate()
    {
        if (Generation is < PcieGeneration.Gen1 or > PcieGeneration.Gen6)
        {
            throw new ParameterException("link.gen", ((int)Generation).ToString(CultureInfo.InvariantCulture), "must be 1-6");
        }

        if (Width is not (1 or 2 or 4 or 8 or 16))
        {
            throw new ParameterException("link.width", Width.ToString(CultureInfo.InvariantCulture), "must be 1, 2, 4, 8 or 16");
        }

        CheckPow2("link.mps", MaxPayloadSize);
        CheckPow2("link.mrrs", MaxReadRequestSize);
        if (ReadCompletionBoundary is not (64 or 128))
        {
            throw new ParameterException("link.rcb", ReadCompletionBoundary.ToString(CultureInfo.InvariantCulture), "must be 64 or 128 bytes");
        }

        if (PropagationLatency < SimTime.Zero)
        {
            throw new ParameterException("link.latency", PropagationLatency.ToString(), "must not be negative");
        }

        if (CreditReturnLatency < SimTime.Zero)
        {
            throw new ParameterException("link.credit_return_latency", CreditReturnLatency.ToString(), "must not be negative");
        }

        UpstreamPortCredits.Validate("link.credits.upstream");
        DownstreamPortCredits.Validate("link.credits.downstream");
        return this;
    }

    private static void CheckPow2(string key, int value)
    {
        if (value is not (128 or 256 or 512 or 1024 or 2048 or 4096))
        {
            throw new ParameterException(key, value.ToString(CultureInfo.InvariantCulture), "must be 128, 256, 512, 1024, 2048 or 4096 bytes");
        }
    }
}
