using System.Globalization;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Configuration;

/// <summary>
/// One documented configuration key (gem5 style: a name, a typed default, help text). The parser turns the user's
/// text into the canonical typed value or throws <see cref="ParameterException"/> naming the key.
/// </summary>
public sealed class ConfigKey
{
    private readonly Func<string, string, object> _parse;
    private readonly Func<object, string> _format;

    private ConfigKey(string name, string description, object defaultValue, Func<string, string, object> parse, Func<object, string> format)
    {
        Name = name;
        Description = description;
        Default = defaultValue;
        _parse = parse;
        _format = format;
    }

    public string Name { get; }

    public string Description { get; }

    public object Default { get; }

    public object Parse(string text) => _parse(Name, text);

    public string Format(object value) => _format(value);

    public static ConfigKey Int(string name, long defaultValue, string description, long min = long.MinValue, long max = long.MaxValue, long[]? allowed = null) =>
        new(name, description, defaultValue, (key, text) =>
        {
            if (!long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                throw new ParameterException(key, text, "is not an integer");
            }

            if (allowed is not null && Array.IndexOf(allowed, v) < 0)
            {
                throw new ParameterException(key, text, $"is not one of {string.Join(", ", allowed)}");
            }

            if (v < min || v > max)
            {
                throw new ParameterException(key, text, $"is out of range [{min}, {max}]");
            }

            return v;
        }, v => ((long)v).ToString(CultureInfo.InvariantCulture));

    public static ConfigKey Real(string name, double defaultValue, string description, double min, double max) =>
        new(name, description, defaultValue, (key, text) =>
        {
            if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            {
                throw new ParameterException(key, text, "is not a number");
            }

            if (v < min || v > max)
            {
                throw new ParameterException(key, text, $"is out of range [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
            }

            return v;
        }, v => ((double)v).ToString("R", CultureInfo.InvariantCulture));

    public static ConfigKey Bool(string name, bool defaultValue, string description) =>
        new(name, description, defaultValue, (key, text) => text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "on" or "yes" => true,
            "false" or "0" or "off" or "no" => false,
            _ => throw new ParameterException(key, text, "is not a boolean (true or false)"),
        }, v => (bool)v ? "true" : "false");

    public static ConfigKey Choice(string name, string defaultValue, string description, params string[] choices) =>
        new(name, description, defaultValue, (key, text) =>
        {
            var t = text.Trim().ToLowerInvariant();
            return Array.IndexOf(choices, t) >= 0
                ? t
                : throw new ParameterException(key, text, $"is not one of {string.Join(", ", choices)}");
        }, v => (string)v);

    public static ConfigKey Size(string name, string defaultValue, string description, long min = 0, long max = long.MaxValue, bool powerOfTwo = false) =>
        new(name, description, ByteSize.Parse(defaultValue, name), (key, text) =>
        {
            var v = ByteSize.Parse(text, key);
            if (v.Bytes < min || v.Bytes > max)
            {
                throw new ParameterException(key, text, $"is out of range [{new ByteSize(min)}, {new ByteSize(max)}]");
            }

            if (powerOfTwo && (v.Bytes & (v.Bytes - 1)) != 0)
            {
                throw new ParameterException(key, text, "must be a power of two");
            }

            return v;
        }, v => ((ByteSize)v).ToString());

    public static ConfigKey Duration(string name, string defaultValue, string description) =>
        new(name, description, SimTime.Parse(defaultValue, name), (key, text) =>
        {
            var v = SimTime.Parse(text, key);
            return v < SimTime.Zero ? throw new ParameterException(key, text, "must not be negative") : (object)v;
        }, v => ((SimTime)v).ToString());
}
