using System.Globalization;
using System.Numerics;

namespace SevTio.Hw.Simulation;

/// <summary>
/// Simulated time: a signed 64-bit count of picoseconds (about 106 days either side of zero), as gem5's Tick.
/// Integer picoseconds keep every run bit-for-bit deterministic; doubles appear only in reports.
/// </summary>
public readonly struct SimTime :
    IEquatable<SimTime>,
    IComparable<SimTime>,
    IComparisonOperators<SimTime, SimTime, bool>,
    IAdditionOperators<SimTime, SimTime, SimTime>,
    ISubtractionOperators<SimTime, SimTime, SimTime>
{
    public const long PicosecondsPerNanosecond = 1_000;
    public const long PicosecondsPerMicrosecond = 1_000_000;
    public const long PicosecondsPerMillisecond = 1_000_000_000;
    public const long PicosecondsPerSecond = 1_000_000_000_000;

    public static readonly SimTime Zero = default;
    public static readonly SimTime MaxValue = new(long.MaxValue);

    private readonly long _ps;

    public SimTime(long picoseconds) => _ps = picoseconds;

    public long Picoseconds => _ps;

    public double TotalNanoseconds => _ps / (double)PicosecondsPerNanosecond;

    public double TotalMicroseconds => _ps / (double)PicosecondsPerMicrosecond;

    public double TotalSeconds => _ps / (double)PicosecondsPerSecond;

    public static SimTime FromPicoseconds(long ps) => new(ps);

    public static SimTime FromNanoseconds(long ns) => new(checked(ns * PicosecondsPerNanosecond));

    public static SimTime FromMicroseconds(long us) => new(checked(us * PicosecondsPerMicrosecond));

    public static SimTime FromMilliseconds(long ms) => new(checked(ms * PicosecondsPerMillisecond));

    public static SimTime FromSeconds(long s) => new(checked(s * PicosecondsPerSecond));

    public static SimTime operator +(SimTime a, SimTime b) => new(a._ps + b._ps);

    public static SimTime operator -(SimTime a, SimTime b) => new(a._ps - b._ps);

    public static SimTime operator *(SimTime a, long n) => new(a._ps * n);

    public static SimTime operator *(long n, SimTime a) => new(a._ps * n);

    public static SimTime operator /(SimTime a, long n) => new(a._ps / n);

    /// <summary>How many times <paramref name="b"/> fits into <paramref name="a"/>, as a real number.</summary>
    public static double operator /(SimTime a, SimTime b) => a._ps / (double)b._ps;

    public static bool operator ==(SimTime a, SimTime b) => a._ps == b._ps;

    public static bool operator !=(SimTime a, SimTime b) => a._ps != b._ps;

    public static bool operator <(SimTime a, SimTime b) => a._ps < b._ps;

    public static bool operator >(SimTime a, SimTime b) => a._ps > b._ps;

    public static bool operator <=(SimTime a, SimTime b) => a._ps <= b._ps;

    public static bool operator >=(SimTime a, SimTime b) => a._ps >= b._ps;

    public static SimTime Max(SimTime a, SimTime b) => a._ps >= b._ps ? a : b;

    public static SimTime Min(SimTime a, SimTime b) => a._ps <= b._ps ? a : b;

    public bool Equals(SimTime other) => _ps == other._ps;

    public override bool Equals(object? obj) => obj is SimTime t && t._ps == _ps;

    public override int GetHashCode() => _ps.GetHashCode();

    public int CompareTo(SimTime other) => _ps.CompareTo(other._ps);

    /// <summary>
    /// Formats in the largest unit that keeps the value at or above one, with three decimals
    /// ("1.250us", "550.000ns"); whole picoseconds print without decimals ("750ps").
    /// </summary>
    public override string ToString()
    {
        var abs = _ps == long.MinValue ? long.MaxValue : Math.Abs(_ps);
        var (div, unit) = abs switch
        {
            >= PicosecondsPerSecond => (PicosecondsPerSecond, "s"),
            >= PicosecondsPerMillisecond => (PicosecondsPerMillisecond, "ms"),
            >= PicosecondsPerMicrosecond => (PicosecondsPerMicrosecond, "us"),
            >= PicosecondsPerNanosecond => (PicosecondsPerNanosecond, "ns"),
            _ => (1L, "ps"),
        };
        if (div == 1)
        {
            return _ps.ToString(CultureInfo.InvariantCulture) + "ps";
        }

        var value = (decimal)_ps / div;
        return value.ToString("0.000", CultureInfo.InvariantCulture) + unit;
    }

    /// <summary>Parses "550ns", "1.25us", "3ms", "2s", "800ps"; the value must be a whole number of picoseconds.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="key">The configuration key, named in the error.</param>
    public static SimTime Parse(string? text, string key = "duration")
    {
        if (!TryParse(text, out var t, out var reason))
        {
            throw new ParameterException(key, text, reason);
        }

        return t;
    }

    public static bool TryParse(string? text, out SimTime value) => TryParse(text, out value, out _);

    private static bool TryParse(string? text, out SimTime value, out string reason)
    {
        value = default;
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            reason = "is not a duration (expected a number followed by ps, ns, us, ms or s)";
            return false;
        }

        long scale = unit switch
        {
            "ps" => 1,
            "ns" => PicosecondsPerNanosecond,
            "us" or "µs" => PicosecondsPerMicrosecond,
            "ms" => PicosecondsPerMillisecond,
            "s" => PicosecondsPerSecond,
            _ => 0,
        };
        if (scale == 0)
        {
            reason = unit.Length == 0
                ? "has no unit (write e.g. 550ns; units are ps, ns, us, ms, s)"
                : $"has an unknown time unit '{unit}' (units are ps, ns, us, ms, s)";
            return false;
        }

        decimal ps;
        try
        {
            ps = number * scale;
        }
        catch (OverflowException)
        {
            reason = "is out of range for simulated time";
            return false;
        }

        if (ps != decimal.Truncate(ps))
        {
            reason = "is not a whole number of picoseconds";
            return false;
        }

        if (ps is > long.MaxValue or < long.MinValue)
        {
            reason = "is out of range for simulated time";
            return false;
        }

        value = new SimTime((long)ps);
        reason = string.Empty;
        return true;
    }
}
