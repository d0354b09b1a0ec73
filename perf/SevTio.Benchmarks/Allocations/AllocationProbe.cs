using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;

namespace SevTio.Benchmarks.Allocations;

/// <summary>
/// <c>allocations [--filter GLOB]... --out FILE.json [--invocations N]</c>: the allocation gate's measurement. Runs each
/// benchmark case of this assembly (the same classes, [Params], setups and cleanups BenchmarkDotNet uses) on this thread
/// and counts the bytes it allocates per operation with <see cref="GC.GetAllocatedBytesForCurrentThread"/>, after a
/// warm-up. Writes them in BenchmarkDotNet's full-JSON shape, so <c>compare BASE NEW --allocations-only</c> gates them.
/// </summary>
/// <remarks>
/// Why not BenchmarkDotNet's own Allocated column: since 0.12 it counts every thread of the process
/// (<c>GC.GetTotalAllocatedBytes</c>), and in-process the host's own threads add a few KB per measurement at random
/// (measured here: 0 to 13 B/op on zero-allocation cases, KBs on the DMA runs, differing between identical runs), which
/// an exact gate cannot take. The model's own allocations on the benchmark thread are deterministic. Worker threads of
/// the two-thread data path are not counted (their allocations are scheduling-dependent; the single-thread cases cover
/// the same code). Run with <c>DOTNET_TieredCompilation=0</c> so no case is measured in unoptimised code.
/// </remarks>
public static class AllocationProbe
{
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, typeof(AllocationProbe).Assembly);

    /// <summary>The same over the benchmark classes of <paramref name="assembly"/> (tests bring their own).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var filters = new List<string>();
        string? outFile = null;
        var invocations = 16;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--out" when i + 1 < args.Length:
                    outFile = args[++i];
                    break;
                case "--invocations" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0:
                    invocations = n;
                    i++;
                    break;
                default:
                    error.WriteLine($"allocations: unexpected argument {args[i]}");
                    error.WriteLine("usage: allocations [--filter GLOB]... --out FILE.json [--invocations N]");
                    return 2;
            }
        }

        if (outFile is null)
        {
            error.WriteLine("usage: allocations [--filter GLOB]... --out FILE.json [--invocations N]");
            return 2;
        }

        var patterns = filters.Select(f => new Regex("^" + Regex.Escape(f).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$")).ToList();
        var cases = Cases(assembly).Where(c => patterns.Count == 0 || patterns.Exists(p => p.IsMatch(c.FullName))).ToList();
        if (cases.Count == 0)
        {
            error.WriteLine("allocations: no benchmark matches the filters");
            return 2;
        }

        var results = new List<(string Name, long PerOperation, double NanosecondsPerOperation)>();
        foreach (var c in cases)
        {
            var (perOp, ns) = Measure(c, invocations);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.FullName}: {perOp} B/op"));
            results.Add((c.FullName, perOp, ns));
        }

        Write(outFile, results);
        return 0;
    }

    private sealed record Case(Type Type, MethodInfo Method, int OperationsPerInvoke, IReadOnlyList<(MemberInfo Member, object? Value)> Parameters, string FullName);

    private static IEnumerable<Case> Cases(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var methods = type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).OrderBy(m => m.MetadataToken).ToList();
            if (methods.Count == 0)
            {
                continue;
            }

            // [Params] members, declaration order; the cross product in BenchmarkDotNet's naming "Method(A: 1, B: 2)".
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.GetCustomAttribute<ParamsAttribute>() is not null).OrderBy(m => m.MetadataToken).ToList();
            var combinations = new List<List<(MemberInfo, object?)>> { new() };
            foreach (var member in members)
            {
                var values = member.GetCustomAttribute<ParamsAttribute>()!.Values;
                combinations = [.. combinations.SelectMany(c => values.Select(v => new List<(MemberInfo, object?)>(c) { (member, v) }))];
            }

            foreach (var method in methods)
            {
                foreach (var combination in combinations)
                {
                    var name = $"{type.FullName}.{method.Name}";
                    if (combination.Count > 0)
                    {
                        name += "(" + string.Join(", ", combination.Select(p => $"{p.Item1.Name}: {Convert.ToString(p.Item2, CultureInfo.InvariantCulture)}")) + ")";
                    }

                    yield return new Case(type, method, Math.Max(1, method.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke), combination, name);
                }
            }
        }
    }

    private static (long PerOperation, double NanosecondsPerOperation) Measure(Case c, int invocations)
    {
        var instance = Activator.CreateInstance(c.Type)!;
        foreach (var (member, value) in c.Parameters)
        {
            switch (member)
            {
                case PropertyInfo p:
                    p.SetValue(instance, Convert.ChangeType(value, p.PropertyType, CultureInfo.InvariantCulture));
                    break;
                case FieldInfo f:
                    f.SetValue(instance, Convert.ChangeType(value, f.FieldType, CultureInfo.InvariantCulture));
                    break;
            }
        }

        Hooks<GlobalSetupAttribute>(c, instance);
        var oneAtATime = c.Type.GetCustomAttribute<InvocationCountAttribute>() is not null;

        // Warm-up: every code path the measurement runs has run (and, with tiering on, had its chance to tier up).
        var warm = oneAtATime ? 1 : Math.Max(invocations * 4, 64);
        for (var i = 0; i < warm; i++)
        {
            Invoke(c, instance);
        }

        var measured = oneAtATime ? 1 : invocations;
        long bytes = 0;
        long ticks = 0;
        var call = Callable(c, instance);
        for (var i = 0; i < measured; i++)
        {
            Hooks<IterationSetupAttribute>(c, instance);
            var (b, t) = call();
            bytes += b;
            ticks += t;
            Hooks<IterationCleanupAttribute>(c, instance);
        }

        Hooks<GlobalCleanupAttribute>(c, instance);
        var operations = (long)measured * c.OperationsPerInvoke;
        return (bytes / operations, Stopwatch.GetElapsedTime(0, ticks).TotalNanoseconds / operations);
    }

    // MethodInfo.Invoke would box a value-type result (24 B for a long): call a typed delegate and keep the result in
    // a typed sink instead, so only the benchmark's own allocations are counted.
    private static Func<(long Bytes, long Ticks)> Callable(Case c, object instance)
    {
        if (c.Method.ReturnType == typeof(void))
        {
            var action = c.Method.CreateDelegate<Action>(instance);
            return () => Timed(action);
        }

        var func = c.Method.CreateDelegate(typeof(Func<>).MakeGenericType(c.Method.ReturnType), instance);
        var timed = typeof(AllocationProbe).GetMethod(nameof(TimedResult), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(c.Method.ReturnType);
        var call = timed.CreateDelegate<Func<Delegate, (long, long)>>();
        return () => call(func);
    }

    private static (long Bytes, long Ticks) Timed(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        action();
        var ticks = Stopwatch.GetTimestamp() - start;
        return (GC.GetAllocatedBytesForCurrentThread() - before, ticks);
    }

    private static (long Bytes, long Ticks) TimedResult<T>(Delegate function)
    {
        var typed = (Func<T>)function;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        Sink<T>.Value = typed();
        var ticks = Stopwatch.GetTimestamp() - start;
        return (GC.GetAllocatedBytesForCurrentThread() - before, ticks);
    }

    private static class Sink<T>
    {
        public static T? Value;
    }

    private static void Invoke(Case c, object instance)
    {
        Hooks<IterationSetupAttribute>(c, instance);
        Callable(c, instance)();
        Hooks<IterationCleanupAttribute>(c, instance);
    }

    private static void Hooks<T>(Case c, object instance)
        where T : TargetedAttribute
    {
        foreach (var hook in c.Type.GetMethods().Where(m => m.GetCustomAttribute<T>() is { } a && (a.Targets is not { Length: > 0 } targets || targets.Contains(c.Method.Name))))
        {
            hook.Invoke(instance, null);
        }
    }

    private static void Write(string path, List<(string Name, long PerOperation, double NanosecondsPerOperation)> results)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("Title", "SevTio allocation probe: bytes allocated per operation on the benchmark thread (perf/SevTio.Benchmarks allocations)");
        json.WriteStartArray("Benchmarks");
        foreach (var (name, perOp, ns) in results)
        {
            json.WriteStartObject();
            json.WriteString("FullName", name);
            json.WriteStartObject("Memory");
            json.WriteNumber("BytesAllocatedPerOperation", perOp);
            json.WriteEndObject();
            json.WriteStartObject("Statistics");
            json.WriteStartArray("OriginalValues");
            json.WriteNumberValue(Math.Round(ns, 3));
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
