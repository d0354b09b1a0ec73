using System.Numerics;
using System.Runtime.CompilerServices;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>
/// A log-linear histogram of simulated durations (HdrHistogram's bucket scheme): exact below 1024 ps, then 512
/// buckets per power of two, so a reported percentile is within 0.2% of the true value. Recording is a shift and an
/// increment (no allocation); percentiles are deterministic.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 10;
    private const int Sub = 1 << SubBits;
    private const int Half = Sub / 2;
    private const int Buckets = Sub + (54 * Half);

    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }

    public SimTime Min { get; private set; } = SimTime.MaxValue;

    public SimTime Max { get; private set; }

    /// <summary>Sum of all recorded durations (for the mean).</summary>
    public SimTime Total { get; private set; }

    public SimTime Mean => Count == 0 ? SimTime.Zero : new SimTime(Total.Picoseconds / Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(SimTime duration) => Record(duration, 1);

    /// <summary>Records <paramref name="count"/> durations of the same value at once (what as many <see cref="Record(SimTime)"/> calls record).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(SimTime duration, long count)
    {
        if (count <= 0)
        {
            return;
        }

        var v = Math.Max(0, duration.Picoseconds);
        _counts[IndexOf(v)] += count;
        Count += count;
        Total += new SimTime(v * count);
        if (v < Min.Picoseconds)
        {
            Min = new SimTime(v);
        }

        if (v > Max.Picoseconds)
        {
            Max = new SimTime(v);
        }
    }

    /// <summary>Adds every count of <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Total += other.Total;
        Min = SimTime.Min(Min, other.Min);
        Max = SimTime.Max(Max, other.Max);
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1): the middle of the bucket holding the ⌈q·n⌉-th smallest
    /// recording, clamped to the recorded minimum and maximum. Zero when empty.
    /// </summary>
    public SimTime Percentile(double q)
    {
        if (Count == 0)
        {
            return SimTime.Zero;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(q, 0, 1) * Count));
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (low, width) = BucketRange(i);
                var mid = low + ((width - 1) / 2);
                return new SimTime(Math.Clamp(mid, Min.Picoseconds, Max.Picoseconds));
            }
        }

        return Max;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Count = 0;
        Total = SimTime.Zero;
        Min = SimTime.MaxValue;
        Max = SimTime.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOf(long v)
    {
        if (v < Sub)
        {
            return (int)v;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)v);
        var shift = msb - (SubBits - 1);
        return Sub + ((shift - 1) * Half) + (int)((v >> shift) - Half);
    }

    private static (long Low, long Width) BucketRange(int index)
    {
        if (index < Sub)
        {
            return (index, 1);
        }

        var shift = ((index - Sub) / Half) + 1;
        var top = ((index - Sub) % Half) + Half;
        return ((long)top << shift, 1L << shift);
    }
}
