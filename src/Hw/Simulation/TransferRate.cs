using System.Globalization;

namespace SevTio.Hw.Simulation;

/// <summary>A per-lane signalling rate in transfers per second, parsed from "2.5GT/s", "32GT/s", "64 GT/s" or "500MT/s".</summary>
public readonly record struct TransferRate(long TransfersPerSecond)
{
    public double GigaTransfersPerSecond => TransfersPerSecond / 1e9;

    public override string ToString() =>
        UnitText.Format(TransfersPerSecond / 1_000_000_000m) + "GT/s";

    /// <param name="text">The text to parse.</param>
    /// <param name="key">The configuration key, named in the error.</param>
    public static TransferRate Parse(string? text, string key = "rate")
    {
        if (!UnitText.TrySplit(text, out var number, out var unit))
        {
            throw new ParameterException(key, text, "is not a transfer rate (expected e.g. 32GT/s)");
        }

        long scale = unit switch
        {
            "GT/s" => 1_000_000_000,
            "MT/s" => 1_000_000,
            "T/s" => 1,
            _ => 0,
        };
        if (scale == 0)
        {
            throw new ParameterException(key, text, $"has an unknown rate unit '{unit}' (units are GT/s, MT/s, T/s)");
        }

        var v = number * scale;
        if (v <= 0 || v != decimal.Truncate(v) || v > long.MaxValue)
        {
            throw new ParameterException(key, text, "must be a positive whole number of transfers per second");
        }

        return new TransferRate((long)v);
    }
}
