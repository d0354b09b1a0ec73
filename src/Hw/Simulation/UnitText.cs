using System.Globalization;

namespace SevTio.Hw.Simulation;

/// <summary>Splits gem5-style unit strings ("550ns", "4 KiB", "1.5e3ps") into an exact number and a unit.</summary>
internal static class UnitText
{
    public static bool TrySplit(string? text, out decimal number, out string unit)
    {
        number = 0;
        unit = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] is '.' or '+' or '-'
               || ((s[end] is 'e' or 'E') && end + 1 < s.Length && (char.IsAsciiDigit(s[end + 1]) || s[end + 1] is '+' or '-'))))
        {
            if (s[end] is 'e' or 'E')
            {
                end++; // the exponent's sign or first digit is consumed by the loop
            }

            end++;
        }

        if (end == 0)
        {
            return false;
        }

        if (!decimal.TryParse(s[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        unit = s[end..].Trim().ToString();
        return true;
    }

    /// <summary>Formats a value with up to three decimals, dropping trailing zeros only when the value is whole.</summary>
    public static string Format(decimal value) =>
        value == decimal.Truncate(value)
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.000", CultureInfo.InvariantCulture);
}
