namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>
/// What a target did with one input: accepted it, or rejected it the documented way. <see cref="RejectedBy"/> names
/// what refused it (the field of a format error, a status code, a failure reason), so a run can report how deep
/// into the decoders its mutations reached.
/// </summary>
internal readonly record struct FuzzOutcome(bool Accepted, string? RejectedBy)
{
    public static FuzzOutcome Accept { get; } = new(true, null);

    public static FuzzOutcome Reject(string by) => new(false, by);
}

/// <summary>An oracle violation: the target did something with an input that it must never do.</summary>
internal sealed class FuzzOracleException : Exception
{
    public FuzzOracleException(string message)
        : base(message)
    {
    }

    public FuzzOracleException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A fuzz target failed; the message says how to replay the input.</summary>
internal sealed class FuzzTargetFailedException : Exception
{
    public FuzzTargetFailedException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
