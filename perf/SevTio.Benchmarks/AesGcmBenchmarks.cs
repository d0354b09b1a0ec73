using BenchmarkDotNet.Attributes;
using SevTio.Hw.Crypto;
using BclAesGcm = System.Security.Cryptography.AesGcm;

namespace SevTio.Benchmarks;

/// <summary>
/// AES-256-GCM seal, 16-byte tag, no associated data: the BCL (OpenSSL on Linux) against our engine on the same buffers.
/// 256 B is one TLP payload, 4 KiB a page, 64 KiB a bulk transfer.
/// </summary>
[MemoryDiagnoser]
public class AesGcmBenchmarks
{
    private byte[] _nonce = [];
    private byte[] _plaintext = [];
    private byte[] _ciphertext = [];
    private byte[] _tag = [];
    private BclAesGcm? _bcl;
    private AesGcm256? _sevTio;

    [Params(64, 256, 4096, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var key = new byte[32];
        random.NextBytes(key);
        _nonce = new byte[12];
        random.NextBytes(_nonce);
        _plaintext = new byte[Size];
        random.NextBytes(_plaintext);
        _ciphertext = new byte[Size];
        _tag = new byte[16];
        _bcl = new BclAesGcm(key, 16);
        _sevTio = new AesGcm256(key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bcl?.Dispose();
        _sevTio?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Bcl() => _bcl!.Encrypt(_nonce, _plaintext, _ciphertext, _tag);

    [Benchmark]
    public void SevTio() => _sevTio!.Seal(_nonce, _plaintext, _ciphertext, _tag);
}
