using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using BclAes = System.Security.Cryptography.Aes;
using BclAesGcm = System.Security.Cryptography.AesGcm;

namespace SevTio.Hw.Crypto;

/// <summary>
/// AES-GCM with a 256-bit key and a 96-bit IV (NIST SP 800-38D): the engine of the IDE link (per-TLP and aggregated
/// MACs, 96-bit tags), SPDM secured messages and SNP guest messages (128-bit tags). One context per key holds the
/// expanded round keys and the precomputed powers H^1..H^16, so a per-TLP call does no key setup.
/// </summary>
/// <remarks>
/// Two backends with one behaviour: <see cref="CryptoBackend.Intrinsics"/> (AES-NI, PCLMULQDQ, VPCLMULQDQ where present;
/// no operation allocates) and <see cref="CryptoBackend.Platform"/> (the BCL's OpenSSL-backed AES-GCM for seal, BCL
/// AES-ECB plus a managed GHASH for the rest; the BCL's ECB calls allocate a little). Not safe for concurrent use from
/// several threads (the Platform backend wraps BCL objects that are not); give each thread or stream its own context.
/// </remarks>
public sealed class AesGcm256 : IDisposable
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int MinTagSize = 12;
    public const int MaxTagSize = 16;

    private const int PlatformChunkBytes = 1024;

    private readonly CryptoBackend _backend;

    // Intrinsics backend.
    private readonly AesNiKey? _aesKey;
    private readonly Vector128<ulong>[]? _powers;
    private readonly GhashWidth _width;

    // Platform backend: the BCL AES-GCM per tag size (its constructor fixes the tag size), ECB for counter blocks, managed GHASH.
    private readonly BclAes? _platformEcb;
    private readonly BclAesGcm?[]? _platformGcm;
    private readonly GhashTable? _ghashTable;
    private readonly byte[]? _platformKey;

    private bool _disposed;

    public AesGcm256(ReadOnlySpan<byte> key, CryptoBackend backend = CryptoBackend.Auto)
        : this(key, backend, GhashWidth.Auto)
    {
    }

    /// <summary>Chooses the GHASH kernel shape too (tests run the emulated wide shapes through this).</summary>
    internal AesGcm256(ReadOnlySpan<byte> key, CryptoBackend backend, GhashWidth width)
    {
        if (key.Length != KeySize)
        {
            CryptoArgument.ThrowKey(nameof(key), "32", key.Length);
        }

        _backend = ResolveBackend(backend);
        Span<byte> h = stackalloc byte[16];
        h.Clear();
        if (_backend == CryptoBackend.Intrinsics)
        {
            _width = ResolveWidth(width);
            _aesKey = new AesNiKey(key, withDecryption: false);
            var hashKey = AesNiKey.EncryptBlock(Vector128<byte>.Zero, ref _aesKey.Encryption, _aesKey.Rounds);
            _powers = GhashClmul.ComputeKeyPowers(hashKey);
            return;
        }

        if (width != GhashWidth.Auto)
        {
            throw new ArgumentException("A GHASH kernel width applies to the Intrinsics backend only.", nameof(width));
        }

        _platformKey = key.ToArray();
        _platformEcb = BclAes.Create();
        _platformEcb.Key = _platformKey;
        _platformGcm = new BclAesGcm?[MaxTagSize - MinTagSize + 1];
        _platformGcm[MaxTagSize - MinTagSize] = new BclAesGcm(_platformKey, MaxTagSize);
        _platformGcm[0] = new BclAesGcm(_platformKey, MinTagSize);
        _platformEcb.EncryptEcb(h, h, PaddingMode.None);
        _ghashTable = new GhashTable(h);
        CryptographicOperations.ZeroMemory(h);
    }

    /// <summary>True where the Intrinsics backend can run: AES-NI, PCLMULQDQ, SSSE3 (byte shuffles) and SSE4.1.</summary>
    public static bool IsHardwareAccelerated =>
        System.Runtime.Intrinsics.X86.Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported && Sse41.IsSupported;

    /// <summary>The backend this context runs on (never <see cref="CryptoBackend.Auto"/>).</summary>
    public CryptoBackend Backend => _backend;

    /// <summary>The GHASH kernel shape of an Intrinsics context (<see cref="GhashWidth.Auto"/> for Platform).</summary>
    internal GhashWidth Width => _width;

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
    /// The widest hardware shape: zmm where VPCLMULQDQ zmm runs and the runtime deems 512-bit vectors worthwhile
    /// (it turns them off on parts that down-clock), else ymm, else 128-bit.
    /// </summary>
    internal static GhashWidth ResolveWidth(GhashWidth requested) => requested switch
    {
        GhashWidth.Auto when CarrylessMultiply512.IsSupported && Vector512.IsHardwareAccelerated => GhashWidth.V512,
        GhashWidth.Auto when CarrylessMultiply256.IsSupported => GhashWidth.V256,
        GhashWidth.Auto => GhashWidth.V128,
        GhashWidth.V128 or GhashWidth.V256Emulated or GhashWidth.V512Emulated => requested,
        GhashWidth.V256 when CarrylessMultiply256.IsSupported => requested,
        GhashWidth.V512 when CarrylessMultiply512.IsSupported => requested,
        _ => throw new PlatformNotSupportedException($"The {requested} GHASH kernel needs VPCLMULQDQ, which this CPU does not offer."),
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

        if (_aesKey is null)
        {
            PlatformGcm(tag.Length).Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
            return;
        }

        var n = new GcmNonce(nonce);
        ref var powers = ref MemoryMarshal.GetArrayDataReference(_powers!);
        var y = HashPadded(Vector128<ulong>.Zero, associatedData, ref powers);
        y = CtrEncryptAndHash(GcmKernels.ReversedCounter(n, GcmNonce.PayloadCounter(0)), plaintext, ciphertext, y, ref powers);

        // E_K(J0) last: its AES rounds overlap the final GHASH group and reduction, which leave the AES unit idle.
        var encryptedJ0 = EncryptCounterBlock(n, GcmNonce.J0Counter);
        WriteTag(GcmKernels.Tag(y, encryptedJ0, associatedData.Length, plaintext.Length, ref powers), tag);
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
        if (_aesKey is not null && ciphertext.Length <= OpenStitchedMaxBytes)
        {
            return OpenStitched(n, ciphertext, tag, plaintext, associatedData);
        }

        if (!CheckTag(n, associatedData, ciphertext, tag))
        {
            return false;
        }

        if (_aesKey is null)
        {
            // The tag is verified; the BCL decrypts (and checks the tag again, which cannot fail now).
            PlatformGcm(tag.Length).Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        }
        else
        {
            CtrXor(n, GcmNonce.PayloadCounter(0), ciphertext, plaintext);
        }

        return true;
    }

    /// <summary>
    /// Open for messages up to <see cref="OpenStitchedMaxBytes"/> (a TLP, an aggregated IDE unit, an SPDM message): GHASH
    /// and keystream in one stitched pass into a stack scratch buffer, which reaches <paramref name="plaintext"/> only
    /// after the tag verified and is wiped either way.
    /// </summary>
    [SkipLocalsInit]
    private bool OpenStitched(in GcmNonce n, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ref var powers = ref Powers;
        Span<byte> scratch = stackalloc byte[OpenStitchedMaxBytes];
        scratch = scratch[..ciphertext.Length];
        var y = HashPadded(Vector128<ulong>.Zero, associatedData, ref powers);
        y = CtrDecryptAndHash(GcmKernels.ReversedCounter(n, GcmNonce.PayloadCounter(0)), ciphertext, scratch, y, ref powers);
        var encryptedJ0 = EncryptCounterBlock(n, GcmNonce.J0Counter);
        var match = TagMatches(GcmKernels.Tag(y, encryptedJ0, associatedData.Length, ciphertext.Length, ref powers), tag);
        if (match)
        {
            scratch.CopyTo(plaintext);
        }

        scratch.Clear();
        return match;
    }

    /// <summary>Largest ciphertext <see cref="Open"/> decrypts in one stitched pass through stack scratch.</summary>
    internal const int OpenStitchedMaxBytes = 1024;

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
        _aesKey?.Clear();
        if (_powers is not null)
        {
            Array.Clear(_powers);
        }

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

    // ---- Primitives shared by Seal/Open, GcmStream, ApplyKeystream and FusedCrypto --------------------------------

    /// <summary>The Intrinsics key schedule (null on the Platform backend).</summary>
    internal AesNiKey? AesKey => _aesKey;

    /// <summary>The key powers, highest first (Intrinsics backend only).</summary>
    internal ref Vector128<ulong> Powers => ref MemoryMarshal.GetArrayDataReference(_powers!);

    /// <summary>E_K of one 16-byte block.</summary>
    internal void EncryptBlock(ReadOnlySpan<byte> block, Span<byte> destination)
    {
        if (_aesKey is null)
        {
            _platformEcb!.EncryptEcb(block, destination, PaddingMode.None);
            return;
        }

        AesNiKey.EncryptBlock(Vector128.Create(block), ref _aesKey.Encryption, _aesKey.Rounds).CopyTo(destination);
    }

    private Vector128<byte> EncryptCounterBlock(in GcmNonce nonce, uint counter) =>
        AesNiKey.EncryptBlock(GcmKernels.Reverse(GcmKernels.ReversedCounter(nonce, counter).AsByte()), ref _aesKey!.Encryption, _aesKey.Rounds);

    /// <summary>GHASH state (hi, lo) ← GHASH over full 16-byte blocks.</summary>
    internal void GhashBlocks(ref ulong hi, ref ulong lo, ReadOnlySpan<byte> blocks)
    {
        if (_aesKey is null)
        {
            _ghashTable!.Update(ref hi, ref lo, blocks);
            return;
        }

        var y = GhashClmul.FromState(hi, lo);
        y = HashPadded(y, blocks[..(blocks.Length & ~15)], ref Powers);
        hi = y.GetElement(1);
        lo = y.GetElement(0);
    }

    /// <summary>GHASH of one block given as big-endian halves.</summary>
    internal void GhashBlock(ref ulong hi, ref ulong lo, ulong blockHi, ulong blockLo)
    {
        if (_aesKey is null)
        {
            _ghashTable!.UpdateBlock(ref hi, ref lo, blockHi, blockLo);
            return;
        }

        var y = GhashClmul.Multiply(GhashClmul.FromState(hi ^ blockHi, lo ^ blockLo), Unsafe.Add(ref Powers, GhashClmul.PowerCount - 1));
        hi = y.GetElement(1);
        lo = y.GetElement(0);
    }

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
        if (_aesKey is not null)
        {
            GcmKernels.CtrXor(_aesKey, GcmKernels.ReversedCounter(nonce, counter),
                ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length);
            return;
        }

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
        if (_aesKey is not null)
        {
            var y = CtrEncryptAndHash(GcmKernels.ReversedCounter(nonce, counter), source, destination, GhashClmul.FromState(hi, lo), ref Powers);
            hi = y.GetElement(1);
            lo = y.GetElement(0);
            return;
        }

        CtrXor(nonce, counter, source, destination);
        GhashBlocks(ref hi, ref lo, destination[..source.Length]);
    }

    /// <summary>Absorbs the length block, then tag = E_K(J0) ⊕ S (16 bytes; callers truncate).</summary>
    internal void FinishTag(in GcmNonce nonce, ulong hi, ulong lo, long associatedDataLength, long payloadLength, Span<byte> tag16)
    {
        if (_aesKey is not null)
        {
            GcmKernels.Tag(GhashClmul.FromState(hi, lo), EncryptCounterBlock(nonce, GcmNonce.J0Counter), associatedDataLength, payloadLength, ref Powers)
                .CopyTo(tag16);
            return;
        }

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
        if (_aesKey is not null)
        {
            ref var powers = ref Powers;
            var encryptedJ0 = EncryptCounterBlock(nonce, GcmNonce.J0Counter);
            var y = HashPadded(Vector128<ulong>.Zero, associatedData, ref powers);
            y = HashPadded(y, ciphertext, ref powers);
            GcmKernels.Tag(y, encryptedJ0, associatedData.Length, ciphertext.Length, ref powers).CopyTo(tag16);
            return;
        }

        ulong hi = 0, lo = 0;
        PlatformHashPadded(ref hi, ref lo, associatedData);
        PlatformHashPadded(ref hi, ref lo, ciphertext);
        FinishTag(nonce, hi, lo, associatedData.Length, ciphertext.Length, tag16);
    }

    private static void WriteTag(Vector128<byte> tag16, Span<byte> tag)
    {
        if (tag.Length == 16)
        {
            tag16.CopyTo(tag);
            return;
        }

        Span<byte> full = stackalloc byte[16];
        tag16.CopyTo(full);
        full[..tag.Length].CopyTo(tag);
    }

    private Vector128<ulong> HashPadded(Vector128<ulong> y, ReadOnlySpan<byte> data, ref Vector128<ulong> powers)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        return _width switch
        {
            GhashWidth.V512 => GcmKernels.HashPadded<Vector512<ulong>, CarrylessMultiply512>(y, ref start, data.Length, ref powers),
            GhashWidth.V256 => GcmKernels.HashPadded<Vector256<ulong>, CarrylessMultiply256>(y, ref start, data.Length, ref powers),
            GhashWidth.V512Emulated => GcmKernels.HashPadded<Vector512<ulong>, CarrylessMultiply512Emulated>(y, ref start, data.Length, ref powers),
            GhashWidth.V256Emulated => GcmKernels.HashPadded<Vector256<ulong>, CarrylessMultiply256Emulated>(y, ref start, data.Length, ref powers),
            _ => GcmKernels.HashPadded<Vector128<ulong>, CarrylessMultiply128>(y, ref start, data.Length, ref powers),
        };
    }

    private Vector128<ulong> CtrEncryptAndHash(Vector128<uint> counter, ReadOnlySpan<byte> source, Span<byte> destination, Vector128<ulong> y, ref Vector128<ulong> powers)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var key = _aesKey!;
        return _width switch
        {
            GhashWidth.V512 => GcmKernels.CtrEncryptAndHash<Vector512<ulong>, CarrylessMultiply512>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256 => GcmKernels.CtrEncryptAndHash<Vector256<ulong>, CarrylessMultiply256>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V512Emulated => GcmKernels.CtrEncryptAndHash<Vector512<ulong>, CarrylessMultiply512Emulated>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256Emulated => GcmKernels.CtrEncryptAndHash<Vector256<ulong>, CarrylessMultiply256Emulated>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            _ => GcmKernels.CtrEncryptAndHash<Vector128<ulong>, CarrylessMultiply128>(key, counter, ref src, ref dst, source.Length, y, ref powers),
        };
    }

    private Vector128<ulong> CtrDecryptAndHash(Vector128<uint> counter, ReadOnlySpan<byte> source, Span<byte> destination, Vector128<ulong> y, ref Vector128<ulong> powers)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var key = _aesKey!;
        return _width switch
        {
            GhashWidth.V512 => GcmKernels.CtrDecryptAndHash<Vector512<ulong>, CarrylessMultiply512>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256 => GcmKernels.CtrDecryptAndHash<Vector256<ulong>, CarrylessMultiply256>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V512Emulated => GcmKernels.CtrDecryptAndHash<Vector512<ulong>, CarrylessMultiply512Emulated>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256Emulated => GcmKernels.CtrDecryptAndHash<Vector256<ulong>, CarrylessMultiply256Emulated>(key, counter, ref src, ref dst, source.Length, y, ref powers),
            _ => GcmKernels.CtrDecryptAndHash<Vector128<ulong>, CarrylessMultiply128>(key, counter, ref src, ref dst, source.Length, y, ref powers),
        };
    }

    /// <summary>
    /// The checked fused DMA write with this context's GHASH shape (Intrinsics backend, memory key on AES-NI): the tag of
    /// (<paramref name="associatedData"/>, <paramref name="ciphertext"/>) is computed in the same pass that decrypts the
    /// ciphertext (keystream from payload offset 0) and memory-encrypts it into <paramref name="destination"/>; true if
    /// it matches <paramref name="tag"/>. The caller keeps <paramref name="destination"/> private until then. Length: whole
    /// line pairs; address: 64-aligned.
    /// </summary>
    [SkipLocalsInit]
    internal bool OpenToEncryptedMemory(in GcmNonce nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag,
        MemoryEncryptionKey memoryKey, ulong address, Span<byte> destination)
    {
        ref var src = ref MemoryMarshal.GetReference(ciphertext);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        ref var powers = ref Powers;
        AesNiKey data = memoryKey.DataKey!, tweak = memoryKey.TweakKey!, ide = _aesKey!;
        var counter = GcmKernels.ReversedCounter(nonce, GcmNonce.PayloadCounter(0));
        var encryptedJ0 = EncryptCounterBlock(nonce, GcmNonce.J0Counter);
        var y = HashPadded(Vector128<ulong>.Zero, associatedData, ref powers);
        var length = ciphertext.Length;
        y = _width switch
        {
            GhashWidth.V512 => FusedKernels.HashThenCtrDecryptThenXexEncrypt<Vector512<ulong>, CarrylessMultiply512>(
                ide, counter, data, tweak, address, ref src, ref dst, length, y, ref powers),
            GhashWidth.V256 => FusedKernels.HashThenCtrDecryptThenXexEncrypt<Vector256<ulong>, CarrylessMultiply256>(
                ide, counter, data, tweak, address, ref src, ref dst, length, y, ref powers),
            GhashWidth.V512Emulated => FusedKernels.HashThenCtrDecryptThenXexEncrypt<Vector512<ulong>, CarrylessMultiply512Emulated>(
                ide, counter, data, tweak, address, ref src, ref dst, length, y, ref powers),
            GhashWidth.V256Emulated => FusedKernels.HashThenCtrDecryptThenXexEncrypt<Vector256<ulong>, CarrylessMultiply256Emulated>(
                ide, counter, data, tweak, address, ref src, ref dst, length, y, ref powers),
            _ => FusedKernels.HashThenCtrDecryptThenXexEncrypt<Vector128<ulong>, CarrylessMultiply128>(
                ide, counter, data, tweak, address, ref src, ref dst, length, y, ref powers),
        };

        return TagMatches(GcmKernels.Tag(y, encryptedJ0, associatedData.Length, length, ref powers), tag);
    }

    /// <summary>Whether the tag of (A, C) under the nonce starts with <paramref name="tag"/> (12..16 bytes, constant time); decrypts nothing.</summary>
    [SkipLocalsInit]
    internal bool CheckTag(in GcmNonce nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[16];
        ComputeTag(nonce, associatedData, ciphertext, expected);
        var match = ConstantTime.TagEquals(expected[..tag.Length], tag);
        expected.Clear();
        return match;
    }

    /// <summary>Whether the computed 16-byte tag starts with <paramref name="tag"/> (constant time); the copy is wiped.</summary>
    [SkipLocalsInit]
    private static bool TagMatches(Vector128<byte> computed, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[16];
        computed.CopyTo(expected);
        var match = ConstantTime.TagEquals(expected[..tag.Length], tag);
        expected.Clear();
        return match;
    }

    /// <summary>The fused DMA-read kernel with this context's GHASH shape (Intrinsics backend, memory key on AES-NI).</summary>
    internal Vector128<ulong> XexDecryptThenCtrEncryptAndHash(MemoryEncryptionKey memoryKey, ulong address, Vector128<uint> counter,
        ReadOnlySpan<byte> source, Span<byte> destination, Vector128<ulong> y)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        ref var powers = ref Powers;
        AesNiKey data = memoryKey.DataKey!, tweak = memoryKey.TweakKey!, ide = _aesKey!;
        return _width switch
        {
            GhashWidth.V512 => FusedKernels.XexDecryptThenCtrEncryptAndHash<Vector512<ulong>, CarrylessMultiply512>(
                data, tweak, address, ide, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256 => FusedKernels.XexDecryptThenCtrEncryptAndHash<Vector256<ulong>, CarrylessMultiply256>(
                data, tweak, address, ide, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V512Emulated => FusedKernels.XexDecryptThenCtrEncryptAndHash<Vector512<ulong>, CarrylessMultiply512Emulated>(
                data, tweak, address, ide, counter, ref src, ref dst, source.Length, y, ref powers),
            GhashWidth.V256Emulated => FusedKernels.XexDecryptThenCtrEncryptAndHash<Vector256<ulong>, CarrylessMultiply256Emulated>(
                data, tweak, address, ide, counter, ref src, ref dst, source.Length, y, ref powers),
            _ => FusedKernels.XexDecryptThenCtrEncryptAndHash<Vector128<ulong>, CarrylessMultiply128>(
                data, tweak, address, ide, counter, ref src, ref dst, source.Length, y, ref powers),
        };
    }

    private void PlatformHashPadded(ref ulong hi, ref ulong lo, ReadOnlySpan<byte> data)
    {
        var full = data.Length & ~15;
        _ghashTable!.Update(ref hi, ref lo, data[..full]);
        if (full != data.Length)
        {
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            data[full..].CopyTo(last);
            _ghashTable.Update(ref hi, ref lo, last);
        }
    }
}
