using System.Text.Json;

namespace SevTio.Benchmarks.Compare;

/// <summary>One benchmark case read from a BenchmarkDotNet full JSON export: per-operation times and allocations.</summary>
public sealed record BenchmarkCase(string FullName, IReadOnlyList<double> NanosecondsPerOperation, long? AllocatedBytesPerOperation)
{
    public double Median
    {
        get
        {
            var s = NanosecondsPerOperation.Order().ToArray();
            return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
        }
    }
}

/// <summary>Reads BenchmarkDotNet's <c>*-report-full.json</c> (the exporter that keeps raw measurements).</summary>
public static class BenchmarkReport
{
    public static IReadOnlyList<BenchmarkCase> Load(string path)
    {
        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path, "*-report-full*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(Load).ToArray();
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return Parse(doc.RootElement);
    }

    public static IReadOnlyList<BenchmarkCase> Parse(JsonElement root)
    {
        var result = new List<BenchmarkCase>();
        if (!root.TryGetProperty("Benchmarks", out var benchmarks))
        {
            throw new InvalidDataException("not a BenchmarkDotNet full JSON report: no 'Benchmarks' array");
        }

        foreach (var b in benchmarks.EnumerateArray())
        {
            var name = b.GetProperty("FullName").GetString() ?? throw new InvalidDataException("benchmark without FullName");
            var samples = new List<double>();
            if (b.TryGetProperty("Measurements", out var measurements))
            {
                foreach (var m in measurements.EnumerateArray())
                {
                    if (m.GetProperty("IterationMode").GetString() == "Workload" && m.GetProperty("IterationStage").GetString() == "Result")
                    {
                        samples.Add(m.GetProperty("Nanoseconds").GetDouble() / m.GetProperty("Operations").GetDouble());
                    }
                }
            }

            if (samples.Count == 0 && b.TryGetProperty("Statistics", out var stats) && stats.ValueKind == JsonValueKind.Object)
            {
                // Reports without raw measurements still carry their per-operation sample list.
                foreach (var v in stats.GetProperty("OriginalValues").EnumerateArray())
                {
                    samples.Add(v.GetDouble());
                }
            }

            long? allocated = b.TryGetProperty("Memory", out var mem) && mem.ValueKind == JsonValueKind.Object
                && mem.TryGetProperty("BytesAllocatedPerOperation", out var bytes) && bytes.ValueKind == JsonValueKind.Number
                ? bytes.GetInt64()
                : null;
            result.Add(new BenchmarkCase(name, samples, allocated));
        }

        return result;
    }
}
