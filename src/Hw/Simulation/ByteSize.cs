using System.Globalization;

namespace SevTio.Hw.Simulation;

/// <summary>
/// A size in bytes parsed from gem5-style strings: "256B", "4KiB", "64MiB", "1TiB" (binary) or "4kB", "1GB" (decimal).
/// A bare number is bytes.
/// </summary>
public readonly record struct ByteSize(long Bytes) : IComparable<ByteSize>
{
    public const long KiB = 1L << 10;
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;
    public const long TiB = 1L << 40;

    public static ByteSize FromKiB(long n) => new(checked(n * KiB));

    public static ByteSize FromMiB(long n) => new(checked(n * MiB));

    public static ByteSize FromGiB(long n) => new(checked(n * GiB));

    public static implicit operator long(ByteSize s) => s.Bytes;

    public int CompareTo(ByteSize other) => Bytes.CompareTo(other.Bytes);

    public static bool operator <(ByteSize a, ByteSize b) => a.Bytes < b.Bytes;

    public static bool operator >(ByteSize a, ByteSize b) => a.Bytes > b.Bytes;

    public static bool operator <=(ByteSize a, ByteSize b) => a.Bytes <= b.Bytes;

    public static bool operator >=(ByteSize a, ByteSize b) => a.Bytes >= b.Bytes;

    /// <summary>The largest binary unit that divides the size exactly ("4KiB", "1536B"), so formatting round-trips.</summary>
    public override string ToString()
    {
        foreach (var (size, unit) in Units)
        {
            if (Bytes != 0 && Bytes % size == 0 && Math.Abs(Bytes) >= size)
            {
                return (Bytes / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return Bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }

    /// <param name="text">The text to parse.</param>
    /// <param name="key">The configuration key, named in the error.</param>
    public static ByteSize Parse(string? text, string key = "size")
    {
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            throw new ParameterException(key, text, "is not a size (expected a number followed by B, KiB, MiB, GiB or TiB)");
        }

        long scale = unit switch
        {
            "" or "B" => 1,
            "KiB" => KiB,
            "MiB" => MiB,
            "GiB" => GiB,
            "TiB" => TiB,
            "kB" or "KB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "TB" => 1_000_000_000_000,
            _ => 0,
        };
        if (scale == 0)
        {
            throw new ParameterException(key, text, $"has an unknown size unit '{unit}' (units are B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
        }

        decimal bytes;
        try
        {
            bytes = number * scale;
        }
        catch (OverflowException)
        {
            throw new ParameterException(key, text, "is out of range for a size");
        }

        if (bytes < 0)
        {
            throw new ParameterException(key, text, "is negative; a size must be zero or more");
        }

        if (bytes != decimal.Truncate(bytes) || bytes > long.MaxValue)
        {
            throw new ParameterException(key, text, bytes > long.MaxValue ? "is out of range for a size" : "is not a whole number of bytes");
        }

        return new ByteSize((long)bytes);
    }

    private static readonly (long Size, string Unit)[] Units = [(TiB, "TiB"), (GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")];
}
