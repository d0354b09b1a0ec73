namespace SevTio.Hw.Rmp;

/// <summary>
/// The outcome of an RMP instruction: its return code and, when it faulted with #VMEXIT(NPF), which check failed.
/// </summary>
public readonly record struct RmpInstructionResult(RmpStatus Status, RmpViolation Violation = RmpViolation.None)
{
    /// <summary>The instruction completed (it may still have made no change: <see cref="RmpStatus.NoUpdate"/>).</summary>
    public bool Completed => Status is RmpStatus.Success or RmpStatus.NoUpdate;

    public static implicit operator RmpInstructionResult(RmpStatus status) => new(status);

    public override string ToString() => Violation == RmpViolation.None ? Status.ToString() : $"{Status} ({Violation})";
}
