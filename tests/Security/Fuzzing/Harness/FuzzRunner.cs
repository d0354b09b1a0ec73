using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>
/// Runs one fuzz target: a CsCheck generator of inputs and a property that classifies each input (accepted, or rejected
/// the documented way) and throws on any oracle violation. Inputs come from a deterministic PCG stream derived from
/// the master seed and the target's name, so CI sees the same inputs every run; each input's own seed is recorded and
/// printed on failure (replay it with SEVTIO_FUZZ_REPLAY). A watchdog bounds every input: one that runs longer than
/// <see cref="FuzzSettings.InputTimeout"/> fails the test as a hang. A failure is handed to CsCheck's shrinker, which
/// prints a smaller failing input next to the original one.
/// </summary>
internal static class FuzzRunner
{
    private const int MaxPrintedBytes = 1024;

    public static FuzzStatistics Run<T>(
        string target,
        Gen<T> inputs,
        Func<T, FuzzStatistics, FuzzOutcome> property,
        ITestOutputHelper? output,
        Func<T, string> print,
        long ciIterations = FuzzSettings.DefaultIterations,
        bool shrink = true)
    {
        var replay = FuzzSettings.Replay;
        var iterations = replay is null ? FuzzSettings.Iterations(ciIterations) : 1;
        var seed = FuzzSettings.MasterSeed ^ Fnv64(target);
        var pcg = replay is null ? new PCG(StreamOf(target), seed) : PCG.Parse(replay);
        var stats = new FuzzStatistics(target);
        var progress = new Progress();
        Failure? failure = null;
        var clock = Stopwatch.StartNew();

        var worker = new Thread(() =>
        {
            for (long i = 0; i < iterations; i++)
            {
                var state = pcg.State;
                progress.Begin(i, state);
                T input = default!;
                try
                {
                    input = inputs.Generate(pcg, null, out _);
                    progress.Input = input;
                    stats.Count(property(input, stats));
                }
                catch (Exception e)
                {
                    failure = new Failure(i, pcg.ToString(state), input, e);
                    break;
                }
            }

            progress.Finish();
        })
        {
            IsBackground = true,
            Name = "fuzz: " + target,
        };

        worker.Start();
        var timeout = FuzzSettings.InputTimeout;
        while (!worker.Join(200))
        {
            if (progress.CurrentInputTime > timeout)
            {
                // The worker cannot be aborted; as a background thread it dies with the test host.
                var hang = new StringBuilder()
                    .AppendLine(CultureInfo.InvariantCulture, $"Fuzz target '{target}' HANGS: input {progress.Iteration} has run for more than {timeout.TotalSeconds:F0} s.")
                    .AppendLine(ReplayLine(pcg.ToString(progress.State)))
                    .AppendLine(CultureInfo.InvariantCulture, $"Input: {Describe(progress.Input, print)}");
                throw new FuzzTargetFailedException(hang.ToString(), null);
            }
        }

        stats.Elapsed = clock.Elapsed;
        output?.WriteLine(stats.Summary());
        if (failure is { } f)
        {
            var message = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"Fuzz target '{target}' failed on input {f.Iteration} of {iterations} (master seed 0x{FuzzSettings.MasterSeed:X}).")
                .AppendLine(ReplayLine(f.Seed))
                .AppendLine(CultureInfo.InvariantCulture, $"Input: {Describe(f.Input, print)}")
                .AppendLine(CultureInfo.InvariantCulture, $"Failure: {f.Exception.GetType().Name}: {f.Exception.Message}");
            if (shrink && replay is null)
            {
                message.AppendLine(Shrink(inputs, property, f.Seed, print));
            }

            output?.WriteLine(message.ToString());
            throw new FuzzTargetFailedException(message.ToString(), f.Exception);
        }

        return stats;
    }

    /// <summary>Hex of a byte input, cut to the first kilobyte.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= MaxPrintedBytes
            ? $"{bytes.Length} bytes {Convert.ToHexString(bytes)}"
            : $"{bytes.Length} bytes {Convert.ToHexString(bytes[..MaxPrintedBytes])}...";

    private static string ReplayLine(string seed) =>
        $"Replay: {FuzzSettings.ReplayVariable}={seed} dotnet test tests/Security -c Release --filter \"FullyQualifiedName~Fuzzing\" (narrow the filter to this test)";

    private static string Describe<T>(object? input, Func<T, string> print) =>
        input is T t ? print(t) : "(not generated yet: the generator itself hung or threw)";

    private static string Shrink<T>(Gen<T> inputs, Func<T, FuzzStatistics, FuzzOutcome> property, string seed, Func<T, string> print)
    {
        // CsCheck replays the failing seed first, then searches for smaller inputs that still fail.
        var scratch = new FuzzStatistics("shrink");
        try
        {
            inputs.Sample(t => property(t, scratch), writeLine: _ => { }, seed: seed, time: 10, threads: 1, print: print);
            return "CsCheck could not reproduce the failure from its seed alone (the target depends on earlier inputs).";
        }
        catch (CsCheckException e)
        {
            return "Shrunk by CsCheck: " + e.Message;
        }
    }

    private static uint StreamOf(string target) => (uint)(Fnv64(target) >> 33);

    private static ulong Fnv64(string text)
    {
        var hash = 0xCBF2_9CE4_8422_2325ul;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 0x0000_0100_0000_01B3ul;
        }

        return hash;
    }

    private sealed record Failure(long Iteration, string Seed, object? Input, Exception Exception);

    private sealed class Progress
    {
        private long _started = long.MaxValue;

        public long Iteration { get; private set; }

        public ulong State { get; private set; }

        public object? Input { get; set; }

        public TimeSpan CurrentInputTime
        {
            get
            {
                var started = Volatile.Read(ref _started);
                return started == long.MaxValue ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started);
            }
        }

        public void Begin(long iteration, ulong state)
        {
            Iteration = iteration;
            State = state;
            Input = null;
            Volatile.Write(ref _started, Stopwatch.GetTimestamp());
        }

        public void Finish() => Volatile.Write(ref _started, long.MaxValue);
    }
}
