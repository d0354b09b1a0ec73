using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SevTio.Cli.Results;

/// <summary>
/// Everything a run reports: the resolved configuration, provenance, and each figure with its unit.
/// The JSON and CSV forms are the contract that tests, sweeps and CI gates read.
/// </summary>
public sealed class RunResult
{
    public const string Schema = "sevtio.run/1";

    private readonly List<Metric> _metrics = [];

    public RunResult(string scenario, IEnumerable<KeyValuePair<string, string>> config, Provenance provenance)
    {
        Scenario = scenario;
        Config = config.ToArray();
        Provenance = provenance;
    }

    public string Scenario { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Config { get; }

    public Provenance Provenance { get; }

    public IReadOnlyList<Metric> Metrics => _metrics;

    public void Add(string name, double value, string unit, string description)
    {
        if (_metrics.Exists(m => m.Name == name))
        {
            throw new InvalidOperationException($"metric {name} reported twice");
        }

        _metrics.Add(new Metric(name, value, unit, description));
    }

    public double this[string name] => _metrics.Find(m => m.Name == name)?.Value
        ?? throw new KeyNotFoundException($"no metric {name}");

    public bool TryGet(string name, out double value)
    {
        var m = _metrics.Find(x => x.Name == name);
        value = m?.Value ?? 0;
        return m is not null;
    }

    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("scenario", Scenario);
            w.WriteStartObject("config");
            foreach (var (k, v) in Config)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartObject("provenance");
            w.WriteString("version", Provenance.Version);
            w.WriteString("git_commit", Provenance.GitCommit);
            w.WriteString("runtime", Provenance.Runtime);
            w.WriteString("os", Provenance.Os);
            w.WriteString("cpu", Provenance.Cpu);
            w.WriteStartArray("cpu_features");
            foreach (var f in Provenance.CpuFeatures)
            {
                w.WriteStringValue(f);
            }

            w.WriteEndArray();
            w.WriteNumber("processor_count", Provenance.ProcessorCount);
            w.WriteEndObject();
            w.WriteStartObject("metrics");
            foreach (var m in _metrics)
            {
                w.WriteStartObject(m.Name);
                if (double.IsFinite(m.Value))
                {
                    w.WriteNumber("value", m.Value);
                }
                else
                {
                    w.WriteNull("value");
                }

                w.WriteString("unit", m.Unit);
                w.WriteString("description", m.Description);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.Append("metric,value,unit,description\n");
        foreach (var m in _metrics)
        {
            sb.Append(m.Name).Append(',')
              .Append(m.Value.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(Csv(m.Unit)).Append(',')
              .Append(Csv(m.Description)).Append('\n');
        }

        return sb.ToString();
    }

    internal static string Csv(string s) =>
        s.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
