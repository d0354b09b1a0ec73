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

    private SimTime AdvanceWide(long bytes, ref long carry)
    {
        var total = ((Int128)bytes * Numerator) + carry;
        var ps = total / Denominator;
        carry = (long)(total - (ps * Denominator));
        return new SimTime((long)ps);
    }

    public override string ToString() => $"{PicosecondsPerByte:0.######} ps/B ({Numerator}/{Denominator})";
}
