namespace SevTio.Hw.Simulation;

/// <summary>
/// A configuration value that cannot be used: names the key and the offending value, so a user
/// who wrote <c>--set link.mps=300X</c> reads exactly which setting to fix. The CLI maps it to exit code 2.
/// </summary>
public sealed class ParameterException : Exception
{
    public ParameterException(string key, string? value, string reason)
        : base(value is null ? $"{key}: {reason}" : $"{key}: '{value}' {reason}")
    {
        Key = key;
        Value = value;
        Reason = reason;
    }

    /// <summary>The dotted configuration key, e.g. <c>link.mps</c>.</summary>
    public string Key { get; }

    /// <summary>The value as the user wrote it, or null when the key itself is the problem.</summary>
    public string? Value { get; }

    public string Reason { get; }
}
