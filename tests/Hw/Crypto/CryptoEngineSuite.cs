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
}

/// <summary>The Intrinsics backend with the GHASH kernel width the machine selects.</summary>
public sealed class IntrinsicsBackendTests : CryptoEngineSuite
{
    private protected override bool IsAvailable => CpuFeatures.HasAesGcmIntrinsics;

    private protected override CryptoBackend ExpectedBackend => CryptoBackend.Intrinsics;

    private protected override AesGcm256 CreateGcmCore(ReadOnlySpan<byte> key) => new(key, CryptoBackend.Intrinsics);

    private protected override MemoryEncryptionKey CreateMemoryKeyCore(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey) =>
        new(dataKey, tweakKey, CryptoBackend.Intrinsics);

    private protected override void AssertUnavailable()
    {
        var copy = new byte[32];
        Assert.False(AesGcm256.IsHardwareAccelerated);
        Assert.Throws<PlatformNotSupportedException>(() => new AesGcm256(copy, CryptoBackend.Intrinsics));
        Assert.Throws<PlatformNotSupportedException>(() => new MemoryEncryptionKey(new byte[16], new byte[16], CryptoBackend.Intrinsics));
        using var auto = new AesGcm256(copy);
        Assert.Equal(CryptoBackend.Platform, auto.Backend);
    }
}
