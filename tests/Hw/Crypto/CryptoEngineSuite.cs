using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>
/// One suite, run against every implementation of the crypto engines (Platform, Intrinsics, and the Intrinsics
/// backend with each GHASH kernel width). Where an implementation cannot run on this machine, each test instead
/// asserts that asking for it throws <see cref="PlatformNotSupportedException"/>, so nothing is silently skipped.
/// </summary>
public abstract partial class CryptoEngineSuite
{
    /// <summary>Whether this implementation can run here (decided from the CPU, never from the code under test).</summary>
    private protected abstract bool IsAvailable { get; }

    /// <summary>The backend a context of this implementation must report.</summary>
    private protected abstract CryptoBackend ExpectedBackend { get; }

    /// <summary>Builds an AES-GCM context of this implementation (called only when available).</summary>
    private protected abstract AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key);

    /// <summary>Builds a memory-encryption key of this implementation (called only when available).</summary>
    private protected abstract MemoryEncryptionKey CreateMemoryKeyCore(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey);

    /// <summary>Asking for this implementation where it cannot run must throw <see cref="PlatformNotSupportedException"/>.</summary>
    private protected abstract void AssertUnavailable();

    /// <summary>A context, or null after asserting that this implementation refuses to run here.</summary>
    private protected AesGcm256? CreateGcm(ReadOnlySpan<byte> key)
    {
        if (!IsAvailable)
        {
            AssertUnavailable();
            return null;
        }

        var gcm = CreateGcmCore(key);
        Assert.Equal(ExpectedBackend, gcm.Backend);
        return gcm;
    }

    private protected MemoryEncryptionKey? CreateMemoryKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey)
    {
        if (!IsAvailable)
        {
            AssertUnavailable();
            return null;
        }

        var key = CreateMemoryKeyCore(dataKey, tweakKey);
        Assert.Equal(ExpectedBackend, key.Backend);
        Assert.Equal(dataKey.Length * 8, key.KeySizeBits);
        return key;
    }

    private protected static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}

/// <summary>The Platform backend (System.Security.Cryptography + managed GHASH): available everywhere.</summary>
public sealed class PlatformBackendTests : CryptoEngineSuite
{
    private protected override bool IsAvailable => true;

    private protected override CryptoBackend ExpectedBackend => CryptoBackend.Platform;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Platform);

    private protected override MemoryEncryptionKey CreateMemoryKeyCore(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey) =>
        new(dataKey, tweakKey, CryptoBackend.Platform);

    private protected override void AssertUnavailable() => Assert.Fail("The Platform backend is always available.");

    [Fact]
    public void Seal_AfterWarmUp_DoesNotAllocate()
    {
        // The BCL's AES-GCM seals without allocating; its ECB one-shots (used by the streaming API here) do allocate.
        using var gcm = new AesGcm256(new byte[32], CryptoBackend.Platform);
        var nonce = new byte[12];
        var buffer = new byte[256];
        var tag = new byte[16];
        var aad = new byte[16];
        gcm.Seal(nonce, buffer, buffer, tag, aad);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            gcm.Seal(nonce, buffer, buffer, tag, aad);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>The Intrinsics backend with the GHASH kernel width the machine selects.</summary>
public sealed class IntrinsicsBackendTests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasAesGcmIntrinsics;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics);
}

/// <summary>The Intrinsics backend with the 128-bit PCLMULQDQ GHASH kernel (what CPUs without VPCLMULQDQ run).</summary>
public sealed class IntrinsicsGhashV128Tests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasAesGcmIntrinsics;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics, GhashWidth.V128);
}

/// <summary>The ymm GHASH kernel shape, emulated per lane: runs the two-lane algorithm on any AES-NI CPU.</summary>
public sealed class IntrinsicsGhashV256EmulatedTests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasAesGcmIntrinsics;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics, GhashWidth.V256Emulated);
}

/// <summary>The zmm GHASH kernel shape, emulated per lane: runs the four-lane algorithm on any AES-NI CPU.</summary>
public sealed class IntrinsicsGhashV512EmulatedTests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasAesGcmIntrinsics;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics, GhashWidth.V512Emulated);
}

/// <summary>The ymm GHASH kernel on VPCLMULQDQ hardware; where absent, asking for it must throw.</summary>
public sealed class IntrinsicsGhashV256Tests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasVpclmulqdq256;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics, GhashWidth.V256);

    private protected override void AssertUnavailable() =>
        Assert.Throws<PlatformNotSupportedException>(() => new AesGcm256(new byte[32], CryptoBackend.Intrinsics, GhashWidth.V256));
}

/// <summary>The zmm GHASH kernel on VPCLMULQDQ hardware; where absent, asking for it must throw.</summary>
public sealed class IntrinsicsGhashV512Tests : IntrinsicsSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasVpclmulqdq512;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics, GhashWidth.V512);

    private protected override void AssertUnavailable() =>
        Assert.Throws<PlatformNotSupportedException>(() => new AesGcm256(new byte[32], CryptoBackend.Intrinsics, GhashWidth.V512));
}

/// <summary>What every Intrinsics variant shares: the backend it reports, memory keys on AES-NI, and how it refuses to run.</summary>
public abstract class IntrinsicsSuite : CryptoEngineSuite
{
    private protected override CryptoBackend ExpectedBackend => CryptoBackend.Intrinsics;

    private protected override MemoryEncryptionKey CreateMemoryKeyCore(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey) =>
        new(dataKey, tweakKey, CryptoBackend.Intrinsics);

    private protected override void AssertUnavailable()
    {
        // Without AES-NI/PCLMULQDQ (e.g. DOTNET_EnableHWIntrinsic=0) only the Platform backend exists, and Auto picks it.
        Assert.False(AesGcm256.IsHardwareAccelerated);
        Assert.Throws<PlatformNotSupportedException>(() => new AesGcm256(new byte[32], CryptoBackend.Intrinsics));
        Assert.Throws<PlatformNotSupportedException>(() => new MemoryEncryptionKey(new byte[16], new byte[16], CryptoBackend.Intrinsics));
        using var auto = new AesGcm256(new byte[32]);
        Assert.Equal(CryptoBackend.Platform, auto.Backend);
        using var autoMemory = new MemoryEncryptionKey(new byte[16], new byte[16]);
        Assert.Equal(CryptoBackend.Platform, autoMemory.Backend);
    }

    [Fact]
    public void EveryOperation_AfterWarmUp_DoesNotAllocate()
    {
        using var gcm = CreateGcm(new byte[32]);
        using var memory = CreateMemoryKey(new byte[16], new byte[16]);
        if (gcm is null || memory is null)
        {
            return;
        }

        var nonce = new byte[12];
        var aad = new byte[20];
        var page = new byte[4096];
        var tlp = new byte[4096];
        var tag12 = new byte[12];
        var tag16 = new byte[16];

        void RunAll()
        {
            gcm.Seal(nonce, tlp.AsSpan(0, 256), tlp.AsSpan(0, 256), tag16, aad);
            gcm.Seal(nonce, tlp.AsSpan(0, 100), tlp.AsSpan(0, 100), tag12, aad);
            _ = gcm.Open(nonce, tlp.AsSpan(0, 256), tag16, tlp.AsSpan(0, 256), aad);
            var stream = gcm.Begin(nonce);
            stream.AppendAssociatedData(aad);
            stream.Encrypt(tlp.AsSpan(0, 36), tlp.AsSpan(0, 36));
            stream.Encrypt(tlp.AsSpan(36, 220), tlp.AsSpan(36, 220));
            FusedCrypto.EncryptFromEncryptedMemory(ref stream, memory, 0x1000, page, tlp);
            stream.Finish(tag12);
            var receiver = gcm.Begin(nonce);
            receiver.AppendAssociatedData(aad);
            receiver.Authenticate(tlp);
            _ = receiver.FinishAndVerify(tag12);
            gcm.ApplyKeystream(nonce, 52, tlp.AsSpan(0, 300), tlp.AsSpan(0, 300));
            memory.Encrypt(0x2000, page, page);
            memory.Decrypt(0x2000, page, page);
            FusedCrypto.DecryptToEncryptedMemory(gcm, nonce, 256, tlp, memory, 0x3000, page);
        }

        RunAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            RunAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
