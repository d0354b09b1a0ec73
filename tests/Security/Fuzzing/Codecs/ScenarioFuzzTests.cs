using System.Globalization;
using System.Text;
using CsCheck;
using SevTio.Cli.Configuration;
using SevTio.Hw.Simulation;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// Scenario files (<see cref="ScenarioConfig.LoadJson"/> then <see cref="ScenarioConfig.Validate"/>, as <c>sevtio run
/// --scenario</c> does): only <see cref="ParameterException"/> may escape. An accepted scenario's resolved configuration
/// re-applied key by key must resolve to the same values (the formatted values are canonical).
/// </summary>
public sealed class ScenarioFuzzTests(ITestOutputHelper output)
{
    private static readonly Codec s_scenario = new("scenario", bytes =>
    {
        var config = Load(Encoding.UTF8.GetString(bytes));
        return Canonical(config);
    });

    [Fact]
    public void ScenarioLoadJson_MutatedScenarios_OnlyParameterExceptionAndResolvedValuesRoundTrip()
    {
        // Half the inputs are byte-level mutations of a valid file (mostly broken JSON syntax: the parser's own
        // checks); half are JSON-level mutations (values of the wrong type or out of range, unknown, duplicate or
        // misspelt keys, deep nesting), which keep the syntax and reach the per-key parsers and cross-key rules.
        var valid = new ScenarioJson(semanticMutations: false);
        CodecFuzz.CheckGeneratorIsValid("scenario files", valid.Select(json => new CodecSample(s_scenario, Encoding.UTF8.GetBytes(json), Canonical: false)));
        var inputs = Gen.Frequency(
            (1, (IGen<(string Valid, byte[] Input)>)Mutate.Bytes(valid.Select(Encoding.UTF8.GetBytes)).Select(x => (Valid: Encoding.UTF8.GetString(x.Valid), x.Input))),
            (1, new ScenarioJson(semanticMutations: true).Select(json => (Valid: "(JSON-level mutation)", Input: Encoding.UTF8.GetBytes(json)))));
        var stats = FuzzRunner.Run(
            "scenario files",
            inputs,
            (x, _) => CodecOracle.Check(s_scenario, x.Input),
            output,
            x => $"valid {x.Valid} mutated to {Encoding.UTF8.GetString(x.Input)}");
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 20);
    }

    private static ScenarioConfig Load(string json)
    {
        var config = new ScenarioConfig();
        config.LoadJson(json, "fuzz.json");
        config.Validate();
        return config;
    }

    /// <summary>The resolved configuration as a scenario file of dotted keys with string values.</summary>
    private static byte[] Canonical(ScenarioConfig config)
    {
        var json = new StringBuilder("{\n");
        json.Append("  \"name\": ").Append(Quote(config.Name));
        if (config.Description is { } description)
        {
            json.Append(",\n  \"description\": ").Append(Quote(description));
        }

        foreach (var (key, value) in config.Resolved)
        {
            json.Append(",\n  ").Append(Quote(key)).Append(": ").Append(Quote(value));
        }

        return Encoding.UTF8.GetBytes(json.Append("\n}\n").ToString());
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>
    /// Valid scenario files: a random subset of the documented keys with values inside their ranges and the cross-key
    /// rules, written nested or dotted, as JSON numbers, booleans or unit strings, with comments, trailing commas and
    /// varied whitespace (all of which the loader accepts).
    /// </summary>
    private sealed class ScenarioJson(bool semanticMutations) : Gen<string>
    {
        /// <summary>Values no key accepts, or that sit on the edge of a key's parser.</summary>
        private static readonly string[] s_edgeValues =
        [
            "null", "[]", "{}", "[1, 2]", "\"\"", "\" \"", "-1", "0", "1e309", "-0", "1.5", "18446744073709551616", "9223372036854775808",
            "\"-1\"", "\"1e30GiB\"", "\"79228162514264337593543950335TiB\"", "\"NaN\"", "\"Infinity\"", "\"0x10\"", "\"4 KiB\"", "\"4kib\"",
            "\" 256B \"", "\"256 B\"", "\"1.5B\"", "\"-0ps\"", "\"1e-30ps\"", "\"1e30s\"", "\"5\\u0000\"", "\"true\"", "\"yes please\"",
            "\"ns\"", "\"1e\"", "\"+4\"", "\"4.0\"", "\"1,5\"", "true", "false", "\"µs\"", "\"3us\"", "\"1000000000000000000000ps\"",
        ];

        private static readonly string[] s_sizes128To4096 = ["128B", "256B", "512B", "1KiB", "2KiB", "4KiB", "1024", "0.5KiB"];

        public override string Generate(PCG pcg, Size? min, out Size size)
        {
            var values = new List<(string Key, string Json)>();
            bool Maybe() => pcg.Next(3) != 0;
            T Pick<T>(params T[] options) => options[pcg.Next((uint)options.Length)];
            string Str(string s) => Quote(s);

            var gen = 1 + (int)pcg.Next(6);
            if (Maybe())
            {
                values.Add(("link.gen", pcg.Next(2) == 0 ? gen.ToString(CultureInfo.InvariantCulture) : Str(gen.ToString(CultureInfo.InvariantCulture))));
            }
            else
            {
                gen = 5;
            }

            if (Maybe())
            {
                values.Add(("link.flit", gen == 6 ? Pick("true", "\"on\"", "\"true\"") : Pick("false", "\"off\"", "\"0\"")));
            }

            if (Maybe())
            {
                values.Add(("link.width", Pick("1", "2", "4", "8", "16", "\"16\"")));
            }

            var mps = 128 << (int)pcg.Next(6);
            var explicitMps = Maybe();
            if (explicitMps)
            {
                values.Add(("link.mps", Str(Pick($"{mps}B", $"{mps}", $"{mps / 128 * 0.125}KiB".Replace(',', '.')))));
            }
            else
            {
                mps = 256;
            }

            if (Maybe())
            {
                values.Add(("link.mrrs", Str(Pick(s_sizes128To4096[..6]))));
            }

            if (Maybe())
            {
                values.Add(("link.rcb", Str(Pick("64B", "128B", "64"))));
            }

            var ideEnabled = mps <= 1024 && pcg.Next(4) != 0;
            if (Maybe() || !ideEnabled)
            {
                values.Add(("ide.enabled", ideEnabled ? Pick("true", "\"yes\"", "\"1\"") : Pick("false", "\"no\"", "\"off\"")));
            }

            if (Maybe())
            {
                var limit = ideEnabled ? 1024 / mps : 8;
                var aggregation = Pick(1, 2, 4, 8);
                while (aggregation > limit)
                {
                    aggregation >>= 1;
                }

                values.Add(("ide.aggregation", aggregation.ToString(CultureInfo.InvariantCulture)));
            }

            AddIf(Maybe(), "ide.pcrc", Pick("true", "false"));
            AddIf(Maybe(), "iommu.enabled", Pick("true", "false", "\"on\""));
            AddIf(Maybe(), "iommu.iotlb_entries", (1 + pcg.Next(1 << 20)).ToString(CultureInfo.InvariantCulture));
            AddIf(Maybe(), "iommu.page_size", Str(Pick("4KiB", "2MiB", "1GiB", "4kib")));
            AddIf(Maybe(), "host.read_latency", Str(Pick("550ns", "1us", "0ps", "1.5us", "250000ps", "2ms")));
            AddIf(Maybe(), "host.completion_split", Str(Pick("mps", "rcb", "MPS")));
            AddIf(Maybe(), "device.read_tags", (1 + pcg.Next(1024)).ToString(CultureInfo.InvariantCulture));
            AddIf(Maybe(), "workload.direction", Str(Pick("write", "read")));
            // transfer_size ≤ window and ≤ total; the defaults (4 KiB, 64 MiB, 256 MiB) count where a key is left out.
            var explicitTransfer = Maybe();
            var transfer = explicitTransfer ? Pick(4L, 64L, 4096L, 65536L, 1L << 20) : 4096L;
            var window = Math.Max(4096, transfer) << (int)pcg.Next(6);
            var total = transfer << (int)pcg.Next(12);
            AddIf(explicitTransfer, "workload.transfer_size", Str(SizeText(transfer)));
            AddIf(Maybe(), "workload.window", Str(SizeText(window)));
            AddIf(Maybe(), "workload.total", Str(SizeText(total)));
            AddIf(Maybe(), "workload.pattern", Str(Pick("seq", "random")));
            AddIf(Maybe(), "guest.dma_mode", Str(Pick("direct", "bounce")));
            AddIf(Maybe(), "crypto.mode", Str(Pick("functional", "timing")));
            AddIf(Maybe(), "sim.fidelity", Str(Pick("burst", "packet")));
            AddIf(Maybe(), "faults.tlp_corruption_rate", Pick("0", "1e-6", "0.5", "\"1e-7\""));
            AddIf(Maybe(), "faults.tlp_drop_rate", Pick("0", "1e-7", "1", "\"0.001\""));
            AddIf(Maybe(), "seed", pcg.Next().ToString(CultureInfo.InvariantCulture));

            if (semanticMutations)
            {
                Damage(pcg, values);
            }

            // Shuffle, then write each key nested under its first component or dotted at the top level.
            for (var i = values.Count - 1; i > 0; i--)
            {
                var j = (int)pcg.Next((uint)(i + 1));
                (values[i], values[j]) = (values[j], values[i]);
            }

            var nested = new Dictionary<string, List<(string Key, string Json)>>(StringComparer.Ordinal);
            var top = new List<(string Key, string Json)>();
            if (pcg.Next(2) == 0)
            {
                top.Add(("name", Str(Pick("fuzz", "gen5 x16", "ünïcode", ""))));
            }

            if (pcg.Next(3) == 0)
            {
                top.Add(("description", Str("a scenario")));
            }

            foreach (var (key, json) in values)
            {
                var dot = key.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && pcg.Next(2) == 0)
                {
                    var group = key[..dot];
                    if (!nested.TryGetValue(group, out var members))
                    {
                        nested[group] = members = [];
                        top.Add((group, string.Empty));
                    }

                    members.Add((key[(dot + 1)..], json));
                }
                else
                {
                    top.Add((key, json));
                }
            }

            var text = new StringBuilder();
            WriteObject(text, top, nested, pcg, 0);
            size = new Size((ulong)text.Length);
            return text.ToString();

            void AddIf(bool add, string key, string json)
            {
                if (add)
                {
                    values.Add((key, json));
                }
            }
        }

        /// <summary>1-3 JSON-level mutations of the key/value list.</summary>
        private static void Damage(PCG pcg, List<(string Key, string Json)> values)
        {
            var count = 1 + (int)pcg.Next(3);
            for (var n = 0; n < count; n++)
            {
                if (values.Count == 0)
                {
                    values.Add(("link.gen", "5"));
                }

                var i = (int)pcg.Next((uint)values.Count);
                var (key, json) = values[i];
                switch (pcg.Next(8))
                {
                    case 0 or 1 or 2:
                        values[i] = (key, s_edgeValues[pcg.Next((uint)s_edgeValues.Length)]);
                        break;
                    case 3:
                        var j = (int)pcg.Next((uint)values.Count);
                        values[i] = (key, values[j].Json);
                        values[j] = (values[j].Key, json);
                        break;
                    case 4:
                        values[i] = (pcg.Next(6) switch
                        {
                            0 => key + "2",
                            1 => key.ToUpperInvariant(),
                            2 => key.Replace(".", "..", StringComparison.Ordinal),
                            3 => "." + key,
                            4 => key + ".",
                            _ => string.Empty,
                        }, json);
                        break;
                    case 5:
                        values.Add((key, s_edgeValues[pcg.Next((uint)s_edgeValues.Length)]));
                        break;
                    case 6:
                        // Deep nesting: past System.Text.Json's default depth of 64 half the time.
                        var depth = pcg.Next(2) == 0 ? 8 : 70;
                        values[i] = (key, string.Concat(Enumerable.Repeat("{\"x\":", depth)) + json + new string('}', depth));
                        break;
                    default:
                        values[i] = (key, numberish(pcg));
                        break;
                }
            }

            static string numberish(PCG pcg) => pcg.Next(4) switch
            {
                0 => pcg.Next64().ToString(CultureInfo.InvariantCulture),
                1 => "-" + pcg.Next().ToString(CultureInfo.InvariantCulture),
                2 => Quote($"{pcg.Next()}{(pcg.Next(2) == 0 ? "TiB" : "ms")}"),
                _ => Quote($"{pcg.Next(1000)}.{pcg.Next(1000)}e{(int)pcg.Next(60) - 30}{(pcg.Next(2) == 0 ? "B" : "ns")}"),
            };
        }

        private static void WriteObject(StringBuilder text, List<(string Key, string Json)> members, Dictionary<string, List<(string Key, string Json)>>? nested, PCG pcg, int depth)
        {
            var indent = new string(' ', 2 * (depth + 1));
            text.Append('{');
            if (pcg.Next(6) == 0)
            {
                text.Append(" /* generated */");
            }

            for (var i = 0; i < members.Count; i++)
            {
                var (key, json) = members[i];
                text.Append('\n').Append(indent);
                if (pcg.Next(10) == 0)
                {
                    text.Append("// ").Append(key).Append('\n').Append(indent);
                }

                text.Append(Quote(key)).Append(pcg.Next(2) == 0 ? ": " : ":");
                if (json.Length == 0 && nested is not null)
                {
                    WriteObject(text, nested[key], null, pcg, depth + 1);
                }
                else
                {
                    text.Append(json);
                }

                if (i < members.Count - 1 || pcg.Next(4) == 0)
                {
                    text.Append(',');
                }
            }

            text.Append('\n').Append(new string(' ', 2 * depth)).Append('}');
        }

        private static string SizeText(long bytes) => bytes switch
        {
            >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}GiB",
            >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20}MiB",
            >= 1024 when bytes % 1024 == 0 => $"{bytes >> 10}KiB",
            _ => $"{bytes}B",
        };
    }
}
