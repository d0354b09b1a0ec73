using System.Globalization;

namespace SevTio.Hw.Simulation;

/// <summary>
/// A data rate in bytes per second, parsed from "63GB/s", "415.8Gb/s" (bits), "9.4GiB/s" or "800MB/s".
/// Reports use decimal units: GB/s = 10^9 bytes per second and Gb/s = 10^9 bits per second.
/// </summary>
public readonly record struct Bandwidth(double BytesPerSecond)
{
    public double GigabytesPerSecond => BytesPerSecond / 1e9;

    public double GigabitsPerSecond => BytesPerSecond * 8 / 1e9;

    public static Bandwidth FromGigabitsPerSecond(double gbps) => new(gbps * 1e9 / 8);

    /// <summary>Time to move <paramref name="bytes"/> at this rate, rounded up to a whole picosecond.</summary>
    public SimTime TimeFor(long bytes) =>
        SimTime.FromPicoseconds((long)Math.Ceiling(bytes * (double)SimTime.PicosecondsPerSecond / BytesPerSecond));

    public override string ToString() =>
        GigabytesPerSecond.ToString("0.###", CultureInfo.InvariantCulture) + "GB/s";

    /// <param name="text">The text to parse.</param>
    /// <param name="key">The configuration key, named in the error.</param>
    public static Bandwidth Parse(string? text, string key = "bandwidth")
    {
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            throw new ParameterException(key, text, "is not a bandwidth (expected e.g. 63GB/s or 400Gb/s)");
        }

        double scale = unit switch
        {
            "B/s" => 1,
            "kB/s" or "KB/s" => 1e3,
            "MB/s" => 1e6,
            "GB/s" => 1e9,
            "TB/s" => 1e12,
            "KiB/s" => 1024.0,
            "MiB/s" => 1024.0 * 1024,
            "GiB/s" => 1024.0 * 1024 * 1024,
            "b/s" => 1 / 8.0,
            "kb/s" or "Kb/s" => 1e3 / 8,
            "Mb/s" => 1e6 / 8,
            "Gb/s" => 1e9 / 8,
            "Tb/s" => 1e12 / 8,
            _ => 0,
        };
        if (scale == 0)
        {
            throw new ParameterException(key, text, $"has an unknown bandwidth unit '{unit}' (units are B/s, MB/s, GB/s, GiB/s, Mb/s, Gb/s, ...)");
        }

        var v = (double)number * scale;
        if (!(v > 0) || double.IsInfinity(v))
        {
            throw new ParameterException(key, text, "must be a positive bandwidth");
        }

        return new Bandwidth(v);
    }
}
