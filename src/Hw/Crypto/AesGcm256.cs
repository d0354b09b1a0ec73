using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using BclAes = System.Security.Cryptography.Aes;
using BclAesGcm = System.Security.Cryptography.AesGcm;

namespace SevTio.Hw.Crypto;

/// <summary>
/// AES-GCM with a 256-bit key and a 96-bit IV (NIST SP 800-38D): the engine of the IDE link (per-TLP and aggregated
/// MACs, 96-bit tags), SPDM secured messages and SNP guest messages (128-bit tags). One context per key holds the
/// expanded round keys and the precomputed powers of H, so a per-TLP call does no key setup.
/// </summary>
/// <remarks>
/// Not safe for concurrent use from several threads (the Platform backend wraps BCL objects that are not); give each
/// thread or stream its own context. After construction no operation of the Intrinsics backend allocates.
/// </remarks>
public sealed class AesGcm256 : IDisposable
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int MinTagSize = 12;
    public const int MaxTagSize = 16;

    private const int PlatformChunkBytes = 1024;

    private readonly CryptoBackend _backend;

    // Platform backend: the BCL AES-GCM per tag size (its constructor fixes the tag size), ECB for counter blocks, managed GHASH.
    private readonly BclAes? _platformEcb;
    private readonly BclAesGcm?[]? _platformGcm;
    private readonly GhashTable? _ghashTable;
    private readonly byte[]? _platformKey;

    private bool _disposed;

    public AesGcm256(ReadOnlySpan<byte> key, CryptoBackend backend = CryptoBackend.Auto)
    {
        if (key.Length != KeySize)
        {
            CryptoArgument.ThrowKey(nameof(key), "32", key.Length);
        }

        _backend = ResolveBackend(backend);
        _platformKey = key.ToArray();
        _platformEcb = BclAes.Create();
        _platformEcb.Key = _platformKey;
        _platformGcm = new BclAesGcm?[MaxTagSize - MinTagSize + 1];
        _platformGcm[MaxTagSize - MinTagSize] = new BclAesGcm(_platformKey, MaxTagSize);
        _platformGcm[0] = new BclAesGcm(_platformKey, MinTagSize);

        Span<byte> h = stackalloc byte[16];
        h.Clear();
        _platformEcb.EncryptEcb(h, h, PaddingMode.None);
        _ghashTable = new GhashTable(h);
        CryptographicOperations.ZeroMemory(h);
    }

    /// <summary>True where the Intrinsics backend can run: AES-NI, PCLMULQDQ, SSSE3 (byte shuffles) and SSE4.1.</summary>
    public static bool IsHardwareAccelerated =>
        System.Runtime.Intrinsics.X86.Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported && Sse41.IsSupported && IntrinsicsImplemented;

    // Milestone 1 ships the Platform backend only; the AES-NI kernels follow.
    private const bool IntrinsicsImplemented = false;

    /// <summary>The backend this context runs on (never <see cref="CryptoBackend.Auto"/>).</summary>
    public CryptoBackend Backend => _backend;

    internal static CryptoBackend ResolveBackend(CryptoBackend requested) => requested switch
    {
        CryptoBackend.Auto => IsHardwareAccelerated ? CryptoBackend.Intrinsics : CryptoBackend.Platform,
        CryptoBackend.Intrinsics when IsHardwareAccelerated => CryptoBackend.Intrinsics,
        CryptoBackend.Intrinsics => throw new PlatformNotSupportedException(
            "The Intrinsics crypto backend needs AES-NI, PCLMULQDQ, SSSE3 and SSE4.1 (see AesGcm256.IsHardwareAccelerated)."),
        CryptoBackend.Platform => CryptoBackend.Platform,
        _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown crypto backend."),
    };

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length; the same memory is allowed)
    /// and writes the most significant <c>tag.Length</c> (12..16) bytes of the GCM tag.
    /// </summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData = default)
    {
        CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        CryptoArgument.CheckTag(tag.Length);
        CryptoArgument.CheckSameLength(plaintext.Length, ciphertext.Length, nameof(ciphertext));
        CryptoArgument.CheckInPlaceOrDisjoint(plaintext, ciphertext, nameof(ciphertext));
        if (ciphertext.Overlaps(tag))
        {
            CryptoArgument.ThrowPartialOverlap(nameof(tag));
        }

        PlatformGcm(tag.Length).Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>
    /// Verifies the tag over <paramref name="associatedData"/> and <paramref name="ciphertext"/> first (GHASH over the
    /// ciphertext, constant-time compare) and only then decrypts into <paramref name="plaintext"/>. On a mismatch it
    /// returns false and <paramref name="plaintext"/> is left untouched.
    /// </summary>
    public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        CryptoArgument.CheckTag(tag.Length);
        CryptoArgument.CheckSameLength(ciphertext.Length, plaintext.Length, nameof(plaintext));
        CryptoArgument.CheckInPlaceOrDisjoint(ciphertext, plaintext, nameof(plaintext));

        var n = new GcmNonce(nonce);
        Span<byte> expected = stackalloc byte[16];
        ComputeTag(n, associatedData, ciphertext, expected);
        var match = CryptographicOperations.FixedTimeEquals(expected[..tag.Length], tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!match)
        {
            return false;
        }

        // The tag is verified; the BCL decrypts (and checks the tag again, which cannot fail now).
        PlatformGcm(tag.Length).Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        return true;
    }

    /// <summary>Starts an incremental GCM computation under <paramref name="nonce"/> (IDE MAC aggregation, streaming).</summary>
    public GcmStream Begin(ReadOnlySpan<byte> nonce)
    {
        CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        return new GcmStream(this, new GcmNonce(nonce));
    }

    /// <summary>
    /// XORs the CTR keystream of <paramref name="nonce"/> into <paramref name="source"/>, starting at byte
    /// <paramref name="payloadOffset"/> of the payload stream (payload byte 0 is the first byte of E_K(inc32(J0))).
    /// No authentication: a receiver calls this after the MAC of the whole (aggregated) unit verified.
    /// </summary>
    public void ApplyKeystream(ReadOnlySpan<byte> nonce, long payloadOffset, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        CryptoArgument.CheckSameLength(source.Length, destination.Length, nameof(destination));
        CryptoArgument.CheckInPlaceOrDisjoint(source, destination, nameof(destination));
        CheckPayloadRange(payloadOffset, source.Length);
        KeystreamXor(new GcmNonce(nonce), payloadOffset, source, destination);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _platformEcb?.Dispose();
        if (_platformGcm is not null)
        {
            foreach (var gcm in _platformGcm)
            {
                gcm?.Dispose();
            }
        }

        if (_platformKey is not null)
        {
            CryptographicOperations.ZeroMemory(_platformKey);
        }
    }

    internal static void CheckPayloadRange(long payloadOffset, int length)
    {
        if (payloadOffset < 0)
        {
            CryptoArgument.ThrowNegative(nameof(payloadOffset));
        }

        if (payloadOffset > GcmLimits.MaxPayloadBytes - length)
        {
            CryptoArgument.ThrowPayloadLimit(nameof(payloadOffset));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CheckDisposed()
    {
        if (_disposed)
        {
            CryptoArgument.ThrowDisposed(nameof(AesGcm256));
        }
    }

    private BclAesGcm PlatformGcm(int tagSize)
    {
        ref var slot = ref _platformGcm![tagSize - MinTagSize];
        if (slot is null)
        {
            // 13..15-byte tags are rare (neither IDE nor SPDM uses them); build them on first use.
            Interlocked.CompareExchange(ref slot, new BclAesGcm(_platformKey!, tagSize), null);
        }

        return slot!;
    }

    // ---- Primitives shared by Open, GcmStream, ApplyKeystream and FusedCrypto -------------------------------------

    /// <summary>E_K of one 16-byte block.</summary>
    internal void EncryptBlock(ReadOnlySpan<byte> block, Span<byte> destination) =>
        _platformEcb!.EncryptEcb(block, destination, PaddingMode.None);

    /// <summary>GHASH state (hi, lo) ← GHASH over full 16-byte blocks.</summary>
    internal void GhashBlocks(ref ulong hi, ref ulong lo, ReadOnlySpan<byte> blocks) =>
        _ghashTable!.Update(ref hi, ref lo, blocks);

    /// <summary>GHASH of one block given as big-endian halves.</summary>
    internal void GhashBlock(ref ulong hi, ref ulong lo, ulong blockHi, ulong blockLo) =>
        _ghashTable!.UpdateBlock(ref hi, ref lo, blockHi, blockLo);

    /// <summary>destination = source ⊕ keystream starting at byte <paramref name="payloadOffset"/> of the payload stream.</summary>
    internal void KeystreamXor(in GcmNonce nonce, long payloadOffset, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var skip = (int)(payloadOffset & 15);
        var block = payloadOffset >> 4;
        if (skip != 0 && source.Length > 0)
        {
            Span<byte> keystream = stackalloc byte[16];
            nonce.WriteCounterBlock(keystream, GcmNonce.PayloadCounter(block));
            EncryptBlock(keystream, keystream);
            var take = Math.Min(16 - skip, source.Length);
            BlockXor.Xor(source[..take], keystream.Slice(skip, take), destination[..take]);
            source = source[take..];
            destination = destination[take..];
            block++;
        }

        CtrXor(nonce, GcmNonce.PayloadCounter(block), source, destination);
    }

    /// <summary>CTR from a block boundary: block i of source uses counter (<paramref name="counter"/> + i) mod 2^32; any length.</summary>
    internal void CtrXor(in GcmNonce nonce, uint counter, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<byte> counters = stackalloc byte[PlatformChunkBytes];
        Span<byte> keystream = stackalloc byte[PlatformChunkBytes];
        while (source.Length > 0)
        {
            var chunk = Math.Min(source.Length, PlatformChunkBytes);
            var blocks = (chunk + 15) >> 4;
            for (var i = 0; i < blocks; i++)
            {
                nonce.WriteCounterBlock(counters.Slice(i * 16, 16), unchecked(counter + (uint)i));
            }

            _platformEcb!.EncryptEcb(counters[..(blocks * 16)], keystream, PaddingMode.None);
            BlockXor.Xor(source[..chunk], keystream, destination[..chunk]);
            source = source[chunk..];
            destination = destination[chunk..];
            counter = unchecked(counter + (uint)blocks);
        }
    }

    /// <summary>CTR-encrypts whole blocks and absorbs the ciphertext into the GHASH state.</summary>
    internal void CtrXorAndGhash(in GcmNonce nonce, uint counter, ReadOnlySpan<byte> source, Span<byte> destination, ref ulong hi, ref ulong lo)
    {
        CtrXor(nonce, counter, source, destination);
        GhashBlocks(ref hi, ref lo, destination[..source.Length]);
    }

    /// <summary>Absorbs the length block, then tag = E_K(J0) ⊕ S (16 bytes; callers truncate).</summary>
    internal void FinishTag(in GcmNonce nonce, ulong hi, ulong lo, long associatedDataLength, long payloadLength, Span<byte> tag16)
    {
        GhashBlock(ref hi, ref lo, (ulong)associatedDataLength * 8, (ulong)payloadLength * 8);
        Span<byte> j0 = stackalloc byte[16];
        nonce.WriteCounterBlock(j0, GcmNonce.J0Counter);
        EncryptBlock(j0, tag16);
        BinaryPrimitives.WriteUInt64BigEndian(tag16, BinaryPrimitives.ReadUInt64BigEndian(tag16) ^ hi);
        BinaryPrimitives.WriteUInt64BigEndian(tag16[8..], BinaryPrimitives.ReadUInt64BigEndian(tag16[8..]) ^ lo);
    }

    /// <summary>The full 16-byte tag of (A, C) under the nonce, without decrypting anything.</summary>
    internal void ComputeTag(in GcmNonce nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> tag16)
    {
        ulong hi = 0, lo = 0;
        GhashPadded(ref hi, ref lo, associatedData);
        GhashPadded(ref hi, ref lo, ciphertext);
        FinishTag(nonce, hi, lo, associatedData.Length, ciphertext.Length, tag16);
    }

    private void GhashPadded(ref ulong hi, ref ulong lo, ReadOnlySpan<byte> data)
    {
        var full = data.Length & ~15;
        GhashBlocks(ref hi, ref lo, data[..full]);
        if (full != data.Length)
        {
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            data[full..].CopyTo(last);
            GhashBlocks(ref hi, ref lo, last);
        }
    }
}
