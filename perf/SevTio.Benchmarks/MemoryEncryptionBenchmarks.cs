using BenchmarkDotNet.Attributes;
using SevTio.Hw.Crypto;

namespace SevTio.Benchmarks;

/// <summary>
/// One 4 KiB page through the memory-encryption engine and the fused DMA kernels (GB/s = 4096 B / time). Baseline: the
/// same write path composed from two separate passes (IDE keystream into the page, then XEX over it in place).
/// </summary>
[MemoryDiagnoser]
public class MemoryEncryptionBenchmarks
{
    private const ulong PageAddress = 0x1_2345_6000;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[12];
    private byte[] _source = [];
    private byte[] _page = [];
    private AesGcm256? _ide;
    private MemoryEncryptionKey? _memory;

    [Params(128, 256)]
    public int KeySizeBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var ideKey = new byte[32];
        random.NextBytes(ideKey);
        var dataKey = new byte[KeySizeBits / 8];
        var tweakKey = new byte[KeySizeBits / 8];
        random.NextBytes(dataKey);
        random.NextBytes(tweakKey);
        random.NextBytes(_nonce);
        _source = new byte[4096];
        random.NextBytes(_source);
        _page = new byte[4096];
        _ide = new AesGcm256(ideKey);
        _memory = new MemoryEncryptionKey(dataKey, tweakKey);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ide?.Dispose();
        _memory?.Dispose();
    }

    [Benchmark]
    public void XexEncryptPage() => _memory!.Encrypt(PageAddress, _source, _page);

    [Benchmark]
    public void XexDecryptPage() => _memory!.Decrypt(PageAddress, _source, _page);

    [Benchmark(Baseline = true)]
    public void WriteComposedTwoPasses()
    {
        _ide!.ApplyKeystream(_nonce, 0, _source, _page);
        _memory!.Encrypt(PageAddress, _page, _page);
    }

    [Benchmark]
    public void WriteFusedDecryptToEncryptedMemory() =>
        FusedCrypto.DecryptToEncryptedMemory(_ide!, _nonce, 0, _source, _memory!, PageAddress, _page);

    [Benchmark]
    public void ReadFusedEncryptFromEncryptedMemory()
    {
        var stream = _ide!.Begin(_nonce);
        FusedCrypto.EncryptFromEncryptedMemory(ref stream, _memory!, PageAddress, _source, _page);
        stream.Finish(_tag);
    }

    [Benchmark]
    public void IdeKeystreamOnlyPage() => _ide!.ApplyKeystream(_nonce, 0, _source, _page);
}
