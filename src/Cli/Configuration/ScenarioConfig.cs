using System.Globalization;
using System.Text.Json;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Configuration;

/// <summary>
/// The resolved configuration of a run: defaults, then the scenario file, then each <c>--set key=value</c> in order.
/// Every value is typed and validated; cross-key rules run once everything is applied. Any problem is a
/// <see cref="ParameterException"/> naming the key, which the CLI turns into exit code 2.
/// </summary>
public sealed class ScenarioConfig
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _explicit = new(StringComparer.Ordinal);

    public ScenarioConfig()
    {
        foreach (var k in ConfigKeys.All)
        {
            _values[k.Name] = k.Default;
        }
    }

    /// <summary>The scenario's name (from its file, or "default").</summary>
    public string Name { get; private set; } = "default";

    public string? Description { get; private set; }

    public IEnumerable<KeyValuePair<string, string>> Resolved =>
        ConfigKeys.All.Select(k => new KeyValuePair<string, string>(k.Name, k.Format(_values[k.Name])));

    public bool IsExplicit(string key) => _explicit.Contains(key);

    public void Set(string key, string text)
    {
        if (!ConfigKeys.TryGet(key, out var k))
        {
            throw new ParameterException(key, null, "is not a configuration key (see `sevtio keys`)");
        }

        _values[key] = k.Parse(text);
        _explicit.Add(key);
    }

    /// <summary>Applies one <c>key=value</c> assignment as written after <c>--set</c>.</summary>
    public void SetAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ParameterException("--set", assignment, "is not of the form key=value");
        }

        Set(assignment[..eq].Trim(), assignment[(eq + 1)..]);
    }

    /// <summary>Loads a scenario file: JSON (comments and trailing commas allowed) with nested objects or dotted keys.</summary>
    public void LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParameterException("--scenario", path, $"cannot be read: {e.Message}");
        }

        LoadJson(text, path);
    }

    public void LoadJson(string json, string source = "scenario")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ParameterException("--scenario", source, $"is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ParameterException("--scenario", source, "must hold a JSON object");
            }

            Apply(doc.RootElement, prefix: string.Empty);
        }
    }

    private void Apply(JsonElement obj, string prefix)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var key = prefix.Length == 0 ? p.Name : prefix + "." + p.Name;
            if (prefix.Length == 0 && p.Name is "name" or "description")
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new ParameterException(p.Name, p.Value.GetRawText(), "must be a string");
                }

                if (p.Name == "name")
                {
                    Name = p.Value.GetString()!;
                }
                else
                {
                    Description = p.Value.GetString();
                }

                continue;
            }

            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Apply(p.Value, key);
                    break;
                case JsonValueKind.String:
                    Set(key, p.Value.GetString()!);
                    break;
                case JsonValueKind.Number:
                case JsonValueKind.True:
                case JsonValueKind.False:
                    Set(key, p.Value.GetRawText());
                    break;
                default:
                    throw new ParameterException(key, p.Value.GetRawText(), "must be a string, number, boolean or object");
            }
        }
    }

    /// <summary>Rules that involve more than one key (DESIGN.md: impossible combinations fail fast).</summary>
    public void Validate()
    {
        var gen = GetInt("link.gen");
        if (gen == 6)
        {
            // Gen 6 runs in flit mode only.
            _values["link.flit"] = true;
        }
        else if (GetBool("link.flit"))
        {
            throw new ParameterException("link.flit", "true", $"needs link.gen=6 (flit mode is a PCIe 6.x feature; link.gen is {gen})");
        }

        if (GetInt("ide.aggregation") * GetSize("link.mps").Bytes > 1024 && GetBool("ide.enabled"))
        {
            throw new ParameterException("ide.aggregation", GetInt("ide.aggregation").ToString(CultureInfo.InvariantCulture),
                $"with link.mps={GetSize("link.mps")} exceeds the 1 KiB payload limit of an aggregated IDE unit (PCIe 6.x §6.33.4)");
        }

        if (GetSize("workload.transfer_size") > GetSize("workload.window"))
        {
            throw new ParameterException("workload.transfer_size", GetSize("workload.transfer_size").ToString(), $"is larger than workload.window ({GetSize("workload.window")})");
        }

        if (GetSize("workload.transfer_size") > GetSize("workload.total"))
        {
            throw new ParameterException("workload.total", GetSize("workload.total").ToString(), $"is smaller than one transfer (workload.transfer_size={GetSize("workload.transfer_size")})");
        }
    }

    public long GetInt(string key) => (long)_values[key];

    public double GetReal(string key) => (double)_values[key];

    public bool GetBool(string key) => (bool)_values[key];

    public string GetChoice(string key) => (string)_values[key];

    public ByteSize GetSize(string key) => (ByteSize)_values[key];

    public SimTime GetDuration(string key) => (SimTime)_values[key];
}
