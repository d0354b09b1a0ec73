using System.Buffers.Binary;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SevTio.Hw.Crypto;
using SevTio.Hw.Platform;
using BclAesGcm = System.Security.Cryptography.AesGcm;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Benchmarks;

/// <summary>
/// The whole DMA path at burst level, default scenario (gen 5 x16, MPS 256, IDE on, 4 KiB writes into private memory
/// of a 64 MiB window, 256 MiB in all): functionally (device data + IDE seal, root port MAC check + fused IDE-decrypt →
/// memory-encrypt, on two threads or one) against the baseline of one BCL <see cref="BclAesGcm"/> encryption pass over
/// the same 256 MiB (64 KiB calls, near the BCL's peak); and in timing mode, whose <c>Sim/Real</c> column is the
/// real-time factor (simulated seconds per host second; the simulated time is the same in every crypto mode).
/// </summary>
/// <remarks>
/// Issue 5's targets: functional ≥ 0.6× the baseline's throughput; timing mode Sim/Real ≥ 1. One invocation per
/// iteration (each DMA run needs a fresh platform, built in <c>IterationSetup</c>), for the baselines too, so the Ratio
/// column compares like with like. The two cipher floors (<see cref="DeviceSealFloor"/>, <see cref="HostOpenFloor"/>)
/// bound what the functional write can reach on the machine at hand: its two sides run on two threads, so its Ratio
/// (time against the baseline) is at least the larger floor's Ratio, and at least half the two floors' Ratios added.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(1)]
[Config(typeof(Columns))]
public class DmaBenchmarks
{
    public const long Bytes = 256L << 20;
    private const int BaselineChunk = 64 << 10;

    private byte[] _plaintext = [];
    private byte[] _ciphertext = [];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private BclAesGcm? _bcl;
    private const int Tlp = 256;
    private readonly byte[] _floorNonce = new byte[12];
    private byte[] _tags = [];
    private byte[] _memory = [];
    private AesGcm256? _ide;
    private MemoryEncryptionKey? _memoryKey;
    private SevTioPlatform? _platform;
    private DmaWorkloadDriver? _driver;

    /// <summary>The scenario of every DMA benchmark here.</summary>
    public static PlatformConfiguration Configuration(CryptoMode crypto, int workers) =>
        new() { Crypto = crypto, Workers = workers, DmaWindowBytes = 64UL << 20 };

    public static DmaWorkload Workload { get; } = new() { TotalBytes = Bytes, WindowBytes = 64UL << 20 };

    [GlobalSetup(Targets = [nameof(BclAesGcmPass), nameof(BclAesGcmPass4KiB), nameof(BclAesGcmPass256B), nameof(DeviceSealFloor), nameof(HostOpenFloor)])]
    public void SetupBaseline()
    {
        _plaintext = new byte[Bytes];
        _ciphertext = new byte[Bytes];
        new Random(1).NextBytes(_plaintext);
        var key = new byte[32];
        new Random(2).NextBytes(key);
        _bcl = new BclAesGcm(key, 16);
        _ide = new AesGcm256(key);
        var dataKey = new byte[16];
        var tweakKey = new byte[16];
        new Random(4).NextBytes(dataKey);
        new Random(5).NextBytes(tweakKey);
        _memoryKey = new MemoryEncryptionKey(dataKey, tweakKey);
        _tags = new byte[Bytes / Tlp * 16];
        _memory = new byte[Bytes];
        SealTlps(_ciphertext, _tags);
    }

    [GlobalCleanup(Targets = [nameof(BclAesGcmPass), nameof(BclAesGcmPass4KiB), nameof(BclAesGcmPass256B), nameof(DeviceSealFloor), nameof(HostOpenFloor)])]
    public void CleanupBaseline()
    {
        _bcl?.Dispose();
        _ide?.Dispose();
        _memoryKey?.Dispose();
    }

    [IterationSetup(Target = nameof(FunctionalPrivateWrite))]
    public void SetupFunctional() => Build(CryptoMode.Functional, 2);

    [IterationSetup(Target = nameof(FunctionalPrivateWriteOneThread))]
    public void SetupFunctionalOneThread() => Build(CryptoMode.Functional, 1);

    [IterationSetup(Target = nameof(TimingBulkWrite))]
    public void SetupTiming() => Build(CryptoMode.Timing, 2);

    [IterationSetup(Target = nameof(TimingBulkWriteOneThread))]
    public void SetupTimingOneThread() => Build(CryptoMode.Timing, 1);

    [IterationCleanup(Targets = [nameof(FunctionalPrivateWrite), nameof(FunctionalPrivateWriteOneThread), nameof(TimingBulkWrite), nameof(TimingBulkWriteOneThread)])]
    public void Cleanup()
    {
        _platform?.Dispose();
        _platform = null;
    }

    /// <summary>One AES-256-GCM encryption pass over the 256 MiB, in 64 KiB calls (near the BCL's peak): the baseline.</summary>
    [Benchmark(Baseline = true)]
    public void BclAesGcmPass() => BclPass(BaselineChunk);

    /// <summary>The same pass in 4 KiB calls (one DMA transfer each).</summary>
    [Benchmark]
    public void BclAesGcmPass4KiB() => BclPass(4096);

    /// <summary>The same pass in 256-byte calls (one TLP payload each, a MAC per TLP as IDE without aggregation).</summary>
    [Benchmark]
    public void BclAesGcmPass256B() => BclPass(256);

    /// <summary>
    /// The device side's cipher work alone, with nothing of the model: our AES-256-GCM seal of the 256 MiB in 256-byte
    /// TLP payloads (a MAC per TLP, as the device's IDE stream seals them).
    /// </summary>
    [Benchmark]
    public void DeviceSealFloor() => SealTlps(_ciphertext, _tags);

    private void SealTlps(byte[] ciphertext, byte[] tags)
    {
        for (var at = 0; at < Bytes; at += Tlp)
        {
            var index = at / Tlp;
            BinaryPrimitives.WriteInt32LittleEndian(_floorNonce, index);
            _ide!.Seal(_floorNonce, _plaintext.AsSpan(at, Tlp), ciphertext.AsSpan(at, Tlp), tags.AsSpan(index * 16, 16));
        }
    }

    /// <summary>
    /// The least cipher work the host side of a private write must do, with nothing of the model: per 256-byte TLP the
    /// MAC check, the IDE AES-256-CTR decryption and the XEX-AES-128 memory encryption, fused into one pass
    /// (<see cref="FusedCrypto.OpenToEncryptedMemory"/>), over 256 MiB the device side sealed in set-up. With the device
    /// and host sides on two threads the functional write moves payload no faster than the slower of this and
    /// <see cref="DeviceSealFloor"/>, and no faster than both together spread over two cores.
    /// </summary>
    [Benchmark]
    public void HostOpenFloor()
    {
        for (var at = 0; at < Bytes; at += Tlp)
        {
            var index = at / Tlp;
            BinaryPrimitives.WriteInt32LittleEndian(_floorNonce, index);
            if (!FusedCrypto.OpenToEncryptedMemory(_ide!, _floorNonce, default, _ciphertext.AsSpan(at, Tlp), _tags.AsSpan(index * 16, 16), _memoryKey!, (ulong)at, _memory.AsSpan(at, Tlp)))
            {
                throw new InvalidOperationException($"the MAC check of TLP {index} failed");
            }
        }
    }

    private void BclPass(int chunk)
    {
        for (var at = 0; at < Bytes; at += chunk)
        {
            _nonce[0]++;
            _bcl!.Encrypt(_nonce, _plaintext.AsSpan(at, chunk), _ciphertext.AsSpan(at, chunk), _tag);
        }
    }

    /// <summary>256 MiB of DMA writes into private memory, real cryptography, device and host sides on two threads.</summary>
    [Benchmark]
    public long FunctionalPrivateWrite() => RunDma();

    /// <summary>The same on one thread.</summary>
    [Benchmark]
    public long FunctionalPrivateWriteOneThread() => RunDma();

    /// <summary>The same with <c>crypto.mode=timing</c>: lengths and timing only (write completion on a second thread).</summary>
    [Benchmark]
    public long TimingBulkWrite() => RunDma();

    /// <summary>Timing mode on one thread.</summary>
    [Benchmark]
    public long TimingBulkWriteOneThread() => RunDma();

    private void Build(CryptoMode crypto, int workers)
    {
        _platform = new SevTioPlatform(Configuration(crypto, workers));
        var guest = HwOnlyBringUp.Run(_platform);
        new Random(3).NextBytes(_platform.Device.Memory.Span);
        _driver = new DmaWorkloadDriver(guest, Workload);
    }

    private long RunDma()
    {
        var driver = _driver!;
        driver.Start();
        _platform!.Scheduler.RunWhile(() => !driver.Done);
        _platform.Drain();
        return _platform.DmaStatistics.Bytes;
    }

    /// <summary>Simulated seconds of the DMA phase of the benchmarks' scenario (deterministic; computed in timing mode).</summary>
    public static double SimulatedSeconds()
    {
        using var platform = new SevTioPlatform(Configuration(CryptoMode.Timing, 1));
        var guest = HwOnlyBringUp.Run(platform);
        var driver = new DmaWorkloadDriver(guest, Workload);
        driver.Start();
        platform.Scheduler.RunWhile(() => !driver.Done);
        return (driver.FinishedAt - driver.StartedAt).TotalSeconds;
    }

    /// <summary>Payload GB/s and, for the DMA benchmarks, simulated seconds per host second.</summary>
    public sealed class Columns : ManualConfig
    {
        public Columns()
        {
            AddColumn(new Throughput(), new RealTimeFactor());
        }
    }

    private sealed class Throughput : IColumn
    {
        public string Id => "DmaPayloadGBps";

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Payload bytes (256 MiB) per host second, from the mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is { } ns ? (Bytes / ns).ToString("0.000", CultureInfo.InvariantCulture) : "?";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    private sealed class RealTimeFactor : IColumn
    {
        private double? _simulated;

        public string Id => "DmaRealTimeFactor";

        public string ColumnName => "Sim/Real";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 1;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Simulated seconds of the DMA phase per host second (from the mean); ≥ 1 is faster than real time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
            if (name.StartsWith(nameof(BclAesGcmPass), StringComparison.Ordinal) || name.EndsWith("Floor", StringComparison.Ordinal))
            {
                return "-";
            }

            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (mean is not { } ns)
            {
                return "?";
            }

            _simulated ??= SimulatedSeconds();
            return (_simulated.Value / (ns * 1e-9)).ToString("0.000", CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
