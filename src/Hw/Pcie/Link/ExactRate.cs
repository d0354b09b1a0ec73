using System.Numerics;
using System.Runtime.CompilerServices;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>
/// A time per byte as an exact fraction of picoseconds (<see cref="Numerator"/>/<see cref="Denominator"/>, reduced).
/// Serialising <c>n</c> bytes takes <c>n × Numerator / Denominator</c> ps; a caller that keeps the remainder
/// (<see cref="Advance"/>) accumulates time with no rounding drift, so a million TLPs end exactly where the
/// rational total says, on every machine.
/// </summary>
public readonly record struct ExactRate
{
    public ExactRate(BigInteger numerator, BigInteger denominator)
    {
        if (numerator <= 0 || denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), "a rate is a positive fraction");
        }

        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        numerator /= g;
        denominator /= g;
        if (numerator > long.MaxValue || denominator > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), "rate fraction does not fit in 64 bits");
        }

        Numerator = (long)numerator;
        Denominator = (long)denominator;
    }

    /// <summary>Picoseconds per byte, numerator.</summary>
    public long Numerator { get; }

    /// <summary>Picoseconds per byte, denominator.</summary>
    public long Denominator { get; }

    /// <summary>Picoseconds per byte as a real number (reports only).</summary>
    public double PicosecondsPerByte => Numerator / (double)Denominator;

    /// <summary>Bytes per second as a real number (reports only).</summary>
    public double BytesPerSecond => Denominator * 1e12 / Numerator;

    /// <summary>Time for <paramref name="bytes"/> bytes from a standing start, rounded down to a whole picosecond.</summary>
    public SimTime TimeFor(long bytes)
    {
        long carry = 0;
        return Advance(bytes, ref carry);
    }

    /// <summary>
    /// Time for <paramref name="bytes"/> more bytes, given the sub-picosecond <paramref name="carry"/> (in units of
    /// 1/<see cref="Denominator"/> ps) left by earlier calls; updates the carry. Summing the results of consecutive calls
    /// equals <c>floor(totalBytes × Numerator / Denominator)</c> exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimTime Advance(long bytes, ref long carry)
    {
        var hi = Math.BigMul(bytes, Numerator, out var lo);
        if (hi == 0 && lo <= long.MaxValue - carry)
        {
            var total = lo + carry;
            var ps = total / Denominator;
            carry = total - (ps * Denominator);
            return new SimTime(ps);
        }

        return AdvanceWide(bytes, ref carry);
    }

    /// <summary>
    /// <paramref name="bytes"/>' serialisation time split once into whole picoseconds and a remainder (in units of
    /// 1/<see cref="Denominator"/> ps), for <see cref="Advance(in ExactRateStep, ref long)"/>: a sender that repeats a
    /// size (a burst-level job) pays the 64-bit division once per size instead of once per burst.
    /// </summary>
    public ExactRateStep Step(long bytes)
    {
        long remainder = 0;
        var whole = Advance(bytes, ref remainder);
        return new ExactRateStep(bytes, whole, remainder);
    }

    /// <summary>
    /// The same as <see cref="Advance(long, ref long)"/> for <paramref name="step"/>'s byte count: whole + remainder + carry
    /// is below whole + 2 ps (remainder and carry are each below one picosecond), so at most one picosecond carries over.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SimTime Advance(in ExactRateStep step, ref long carry)
    {
        if (Denominator > long.MaxValue / 2)
        {
            return Advance(step.Bytes, ref carry); // remainder + carry could overflow: divide exactly
        }

        var sum = carry + step.Remainder;
        if (sum >= Denominator)
        {
            carry = sum - Denominator;
            return new SimTime(step.Whole.Picoseconds + 1);
        }

        carry = sum;
        return step.Whole;
    }

    private SimTime AdvanceWide(long bytes, ref long carry)
    {
        var total = ((Int128)bytes * Numerator) + carry;
        var ps = total / Denominator;
        carry = (long)(total - (ps * Denominator));
        return new SimTime((long)ps);
    }

    public override string ToString() => $"{PicosecondsPerByte:0.######} ps/B ({Numerator}/{Denominator})";
}

/// <summary>A byte count's serialisation time from a standing start, split by <see cref="ExactRate.Step"/>.</summary>
/// <param name="Bytes">The byte count.</param>
/// <param name="Whole">Whole picoseconds (<c>floor(Bytes × Numerator / Denominator)</c>).</param>
/// <param name="Remainder">What is left, in units of 1/Denominator ps (below Denominator).</param>
public readonly record struct ExactRateStep(long Bytes, SimTime Whole, long Remainder);
