using System.Collections.Concurrent;
using SevTio.Cli.Attacks;

namespace SevTio.Security.Tests.Attacks;

/// <summary>Each attack run once per test run (seed 5) and shared by the suite's tests, which keeps the suite to seconds.</summary>
internal static class AttackResults
{
    public const int Seed = 5;

    private static readonly ConcurrentDictionary<string, Lazy<AttackOutcome>> s_outcomes = new(StringComparer.Ordinal);

    public static AttackOutcome Of(string name) =>
        s_outcomes.GetOrAdd(name, n => new Lazy<AttackOutcome>(() => (AttackCatalog.Find(n) ?? throw new ArgumentException($"no attack '{n}'", nameof(name))).Run(Seed))).Value;
}
