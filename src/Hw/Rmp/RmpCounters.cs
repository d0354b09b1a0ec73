using System.Diagnostics.Metrics;

namespace SevTio.Hw.Rmp;

/// <summary>
/// Plain-field counters of the RMP, incremented on the access path without any telemetry call; publish them with
/// <see cref="CreateInstruments"/> (observable instruments read the fields when a collector asks).
/// </summary>
public sealed class RmpCounters
{
    /// <summary>The meter name the RMP's instruments belong under.</summary>
    public const string MeterName = "SevTio.Rmp";

    internal long _checks;
    internal long _violations;
    internal long _cacheHits;
    internal long _cacheMisses;
    internal long _entryReads;
    internal long _instructions;
    internal long _instructionFailures;

    /// <summary>RMP checks of CPU and DMA accesses.</summary>
    public long Checks => Volatile.Read(ref _checks);

    /// <summary>Checks that refused the access.</summary>
    public long Violations => Volatile.Read(ref _violations);

    public long CacheHits => Volatile.Read(ref _cacheHits);

    public long CacheMisses => Volatile.Read(ref _cacheMisses);

    /// <summary>Timed memory reads of RMP entries (cache fills).</summary>
    public long EntryReads => Volatile.Read(ref _entryReads);

    /// <summary>RMPUPDATE, PSMASH, PVALIDATE and RMPADJUST executed.</summary>
    public long Instructions => Volatile.Read(ref _instructions);

    /// <summary>Instructions that returned a failure code or faulted.</summary>
    public long InstructionFailures => Volatile.Read(ref _instructionFailures);

    /// <summary>
    /// Creates observable instruments on <paramref name="meter"/> (normally <c>new Meter(RmpCounters.MeterName)</c>):
    /// <c>sevtio.rmp.checks</c>, <c>sevtio.rmp.check.violations</c>, <c>sevtio.rmp.cache.hits</c>,
    /// <c>sevtio.rmp.cache.misses</c>, <c>sevtio.rmp.instructions</c>, <c>sevtio.rmp.instruction.failures</c>.
    /// </summary>
    public void CreateInstruments(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter("sevtio.rmp.checks", () => Checks, "{check}", "RMP checks of CPU and DMA accesses");
        meter.CreateObservableCounter("sevtio.rmp.check.violations", () => Violations, "{violation}", "RMP checks that refused the access");
        meter.CreateObservableCounter("sevtio.rmp.cache.hits", () => CacheHits, "{hit}", "RMP entry cache hits");
        meter.CreateObservableCounter("sevtio.rmp.cache.misses", () => CacheMisses, "{miss}", "RMP entry cache misses (timed entry reads)");
        meter.CreateObservableCounter("sevtio.rmp.instructions", () => Instructions, "{instruction}", "RMPUPDATE, PSMASH, PVALIDATE and RMPADJUST executed");
        meter.CreateObservableCounter("sevtio.rmp.instruction.failures", () => InstructionFailures, "{instruction}", "RMP instructions that failed or faulted");
    }
}
