using System.Globalization;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>
/// How much and with what seed the fuzz targets run. CI runs each target's default count with fixed seeds; a developer
/// raises the count (or replays one failing input) through environment variables, documented in the folder's README.
/// </summary>
internal static class FuzzSettings
{
    /// <summary>Inputs per target in CI: the issue asks for at least 100 000 mutated inputs per parser.</summary>
    public const int DefaultIterations = 100_000;

    /// <summary>Master seed of the CI runs; each target derives its own stream from this and its name.</summary>
    public const ulong DefaultSeed = 0x5E7_2026_0301;

    /// <summary>Environment variable: inputs per target (e.g. 10000000 for a long run on a developer's machine).</summary>
    public const string IterationsVariable = "SEVTIO_FUZZ_ITERATIONS";

    /// <summary>Environment variable: master seed (decimal or 0x-hex), to explore other inputs than CI does.</summary>
    public const string SeedVariable = "SEVTIO_FUZZ_SEED";

    /// <summary>Environment variable: a per-input seed printed by a failure; runs that one input only.</summary>
    public const string ReplayVariable = "SEVTIO_FUZZ_REPLAY";

    /// <summary>Environment variable: seconds one input may take before the watchdog declares a hang.</summary>
    public const string TimeoutVariable = "SEVTIO_FUZZ_TIMEOUT";

    /// <summary>
    /// The count a target runs: its CI default, or with the override set, the override scaled by the target's share of
    /// the default (a target that runs 100 000 in CI runs the override; one whose inputs are costly runs proportionally).
    /// </summary>
    public static long Iterations(long ciDefault = DefaultIterations)
    {
        var text = Environment.GetEnvironmentVariable(IterationsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return ciDefault;
        }

        var requested = ParseULong(text, IterationsVariable);
        return requested == 0 ? ciDefault : Math.Max(1, (long)((double)requested * ciDefault / DefaultIterations));
    }

    public static bool IterationsOverridden => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(IterationsVariable));

    public static ulong MasterSeed
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(SeedVariable);
            return string.IsNullOrWhiteSpace(text) ? DefaultSeed : ParseULong(text, SeedVariable);
        }
    }

    public static string? Replay => Environment.GetEnvironmentVariable(ReplayVariable) is { Length: > 0 } s ? s.Trim() : null;

    /// <summary>
    /// The per-input watchdog. Generous, because the CI machine is shared: a real hang (an endless loop on a crafted
    /// length) runs forever, so any bound well above the slowest legitimate input finds it.
    /// </summary>
    public static TimeSpan InputTimeout
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(TimeoutVariable);
            return TimeSpan.FromSeconds(string.IsNullOrWhiteSpace(text) ? 20 : ParseULong(text, TimeoutVariable));
        }
    }

    private static ulong ParseULong(string text, string variable)
    {
        text = text.Trim();
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        return ok ? value : throw new InvalidOperationException($"{variable}='{text}' is not a number");
    }
}
