using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>Counts of one fuzz run: inputs, accepted and rejected, and which field or check refused how many.</summary>
internal sealed class FuzzStatistics(string target)
{
    private readonly Dictionary<string, long> _rejectedBy = new(StringComparer.Ordinal);

    public string Target { get; } = target;

    public long Inputs { get; private set; }

    public long Accepted { get; private set; }

    public long Rejected => Inputs - Accepted;

    public TimeSpan Elapsed { get; set; }

    /// <summary>Distinct fields or checks that rejected at least one input: a measure of how deep mutations reach.</summary>
    public IReadOnlyDictionary<string, long> RejectedBy => _rejectedBy;

    /// <summary>Free-form counters a target keeps (fixture rebuilds, responses of each kind, state changes).</summary>
    public Dictionary<string, long> Counters { get; } = new(StringComparer.Ordinal);

    public void Count(FuzzOutcome outcome)
    {
        Inputs++;
        if (outcome.Accepted)
        {
            Accepted++;
            return;
        }

        var key = Normalize(outcome.RejectedBy ?? "?");
        _rejectedBy[key] = _rejectedBy.GetValueOrDefault(key) + 1;
    }

    public void Bump(string counter, long by = 1) => Counters[counter] = Counters.GetValueOrDefault(counter) + by;

    public string Summary()
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"[fuzz] {Target}: {Inputs:N0} inputs, {Accepted:N0} accepted, {Rejected:N0} rejected by {_rejectedBy.Count} distinct fields/checks, {Elapsed.TotalSeconds:F1} s");
        foreach (var (name, value) in Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            s.Append(CultureInfo.InvariantCulture, $", {name}={value:N0}");
        }

        s.AppendLine();
        foreach (var (field, count) in _rejectedBy.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal).Take(40))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"    {count,9:N0}  {field}");
        }

        if (_rejectedBy.Count > 40)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"    ... and {_rejectedBy.Count - 40} more");
        }

        return s.ToString();
    }

    // Field names may carry indices ("entry[17]"): fold them so the table counts fields, not positions.
    private static string Normalize(string field)
    {
        var s = new StringBuilder(field.Length);
        var inIndex = false;
        foreach (var c in field)
        {
            if (c == '[')
            {
                inIndex = true;
                s.Append("[]");
            }
            else if (c == ']')
            {
                inIndex = false;
            }
            else if (!inIndex)
            {
                s.Append(c);
            }
        }

        return s.ToString();
    }

    public static Stopwatch Start() => Stopwatch.StartNew();
}
