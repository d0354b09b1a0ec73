using SevTio.Hw.Simulation;

namespace SevTio.Cli.Sweeps;

/// <summary>One <c>--vary key=v1,v2,...</c>: a key and the values it takes, in the order given.</summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values)
{
    public static SweepAxis Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new ParameterException("--vary", text, "is not of the form key=v1,v2,...");
        }

        var values = text[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == 0)
        {
            throw new ParameterException("--vary", text, "lists no values");
        }

        return new SweepAxis(text[..eq].Trim(), values);
    }
}
