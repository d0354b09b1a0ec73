namespace SevTio.Guest.Sysfs;

/// <summary>The kernel's parsing helpers for attribute writes.</summary>
public static class SysfsText
{
    /// <summary>
    /// <c>kstrtobool</c>: 'y', 'Y', '1' → true; 'n', 'N', '0' → false; "on"/"off" (either case); anything else fails.
    /// Only the first one or two characters count, as in the kernel.
    /// </summary>
    public static bool TryParseBool(ReadOnlySpan<char> text, out bool value)
    {
        value = false;
        if (text.IsEmpty)
        {
            return false;
        }

        switch (text[0])
        {
            case 'y' or 'Y' or '1':
                value = true;
                return true;
            case 'n' or 'N' or '0':
                return true;
            case 'o' or 'O' when text.Length > 1:
                switch (text[1])
                {
                    case 'n' or 'N':
                        value = true;
                        return true;
                    case 'f' or 'F':
                        return true;
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary><c>sysfs_streq</c>: equal, ignoring one trailing newline on either side.</summary>
    public static bool StringEquals(ReadOnlySpan<char> a, ReadOnlySpan<char> b) => TrimNewline(a).SequenceEqual(TrimNewline(b));

    /// <summary><c>sscanf(buf, "tsm%d\n", &amp;id)</c>: the TSM number of a name like <c>tsm0</c>.</summary>
    public static bool TryParseTsmName(ReadOnlySpan<char> text, out int id)
    {
        id = -1;
        text = TrimNewline(text);
        if (!text.StartsWith("tsm", StringComparison.Ordinal) || text.Length == 3)
        {
            return false;
        }

        var digits = text[3..];
        var length = 0;
        if (digits[0] is '-' or '+')
        {
            length = 1;
        }

        while (length < digits.Length && char.IsAsciiDigit(digits[length]))
        {
            length++;
        }

        return int.TryParse(digits[..length], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out id);
    }

    private static ReadOnlySpan<char> TrimNewline(ReadOnlySpan<char> s) => s.EndsWith("\n", StringComparison.Ordinal) ? s[..^1] : s;
}
