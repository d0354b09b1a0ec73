using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace SevTio.Hw.Crypto;

/// <summary>
/// Eight AES blocks in flight: AESENC has a latency of about 4 cycles and a throughput of 1–2 per cycle, so eight
/// independent blocks keep the AES unit busy (Gueron's "parallelizing" of CTR). A local of this type stays in registers.
/// </summary>
internal struct AesBlocks8
{
    public Vector128<byte> B0;
    public Vector128<byte> B1;
    public Vector128<byte> B2;
    public Vector128<byte> B3;
    public Vector128<byte> B4;
    public Vector128<byte> B5;
    public Vector128<byte> B6;
    public Vector128<byte> B7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Whiten(Vector128<byte> key)
    {
        B0 ^= key;
        B1 ^= key;
        B2 ^= key;
        B3 ^= key;
        B4 ^= key;
        B5 ^= key;
        B6 ^= key;
        B7 ^= key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EncryptRound(Vector128<byte> key)
    {
        B0 = AesNi.Encrypt(B0, key);
        B1 = AesNi.Encrypt(B1, key);
        B2 = AesNi.Encrypt(B2, key);
        B3 = AesNi.Encrypt(B3, key);
        B4 = AesNi.Encrypt(B4, key);
        B5 = AesNi.Encrypt(B5, key);
        B6 = AesNi.Encrypt(B6, key);
        B7 = AesNi.Encrypt(B7, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EncryptLastRound(Vector128<byte> key)
    {
        B0 = AesNi.EncryptLast(B0, key);
        B1 = AesNi.EncryptLast(B1, key);
        B2 = AesNi.EncryptLast(B2, key);
        B3 = AesNi.EncryptLast(B3, key);
        B4 = AesNi.EncryptLast(B4, key);
        B5 = AesNi.EncryptLast(B5, key);
        B6 = AesNi.EncryptLast(B6, key);
        B7 = AesNi.EncryptLast(B7, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void DecryptRound(Vector128<byte> key)
    {
        B0 = AesNi.Decrypt(B0, key);
        B1 = AesNi.Decrypt(B1, key);
        B2 = AesNi.Decrypt(B2, key);
        B3 = AesNi.Decrypt(B3, key);
        B4 = AesNi.Decrypt(B4, key);
        B5 = AesNi.Decrypt(B5, key);
        B6 = AesNi.Decrypt(B6, key);
        B7 = AesNi.Decrypt(B7, key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void DecryptLastRound(Vector128<byte> key)
    {
        B0 = AesNi.DecryptLast(B0, key);
        B1 = AesNi.DecryptLast(B1, key);
        B2 = AesNi.DecryptLast(B2, key);
        B3 = AesNi.DecryptLast(B3, key);
        B4 = AesNi.DecryptLast(B4, key);
        B5 = AesNi.DecryptLast(B5, key);
        B6 = AesNi.DecryptLast(B6, key);
        B7 = AesNi.DecryptLast(B7, key);
    }

    /// <summary>All rounds of E_K (round keys contiguous from <paramref name="roundKeys"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Encrypt(ref Vector128<byte> roundKeys, int rounds)
    {
        Whiten(roundKeys);
        for (var r = 1; r < rounds; r++)
        {
            EncryptRound(Unsafe.Add(ref roundKeys, r));
        }

        EncryptLastRound(Unsafe.Add(ref roundKeys, rounds));
    }

    /// <summary>All 14 rounds of AES-256 written out (every GCM key here is AES-256; no inner loop on the hot path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EncryptAes256(ref Vector128<byte> roundKeys)
    {
        Whiten(roundKeys);
        EncryptRound(Unsafe.Add(ref roundKeys, 1));
        EncryptRound(Unsafe.Add(ref roundKeys, 2));
        EncryptRound(Unsafe.Add(ref roundKeys, 3));
        EncryptRound(Unsafe.Add(ref roundKeys, 4));
        EncryptRound(Unsafe.Add(ref roundKeys, 5));
        EncryptRound(Unsafe.Add(ref roundKeys, 6));
        EncryptRound(Unsafe.Add(ref roundKeys, 7));
        EncryptRound(Unsafe.Add(ref roundKeys, 8));
        EncryptRound(Unsafe.Add(ref roundKeys, 9));
        EncryptRound(Unsafe.Add(ref roundKeys, 10));
        EncryptRound(Unsafe.Add(ref roundKeys, 11));
        EncryptRound(Unsafe.Add(ref roundKeys, 12));
        EncryptRound(Unsafe.Add(ref roundKeys, 13));
        EncryptLastRound(Unsafe.Add(ref roundKeys, 14));
    }

    /// <summary>All rounds of E_K on blocks 0..3 only (short tails).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EncryptFour(ref Vector128<byte> roundKeys, int rounds)
    {
        var key = roundKeys;
        B0 ^= key;
        B1 ^= key;
        B2 ^= key;
        B3 ^= key;
        for (var r = 1; r < rounds; r++)
        {
            key = Unsafe.Add(ref roundKeys, r);
            B0 = AesNi.Encrypt(B0, key);
            B1 = AesNi.Encrypt(B1, key);
            B2 = AesNi.Encrypt(B2, key);
            B3 = AesNi.Encrypt(B3, key);
        }

        key = Unsafe.Add(ref roundKeys, rounds);
        B0 = AesNi.EncryptLast(B0, key);
        B1 = AesNi.EncryptLast(B1, key);
        B2 = AesNi.EncryptLast(B2, key);
        B3 = AesNi.EncryptLast(B3, key);
    }

    /// <summary>All rounds of D_K with the Equivalent Inverse Cipher schedule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decrypt(ref Vector128<byte> roundKeys, int rounds)
    {
        Whiten(roundKeys);
        for (var r = 1; r < rounds; r++)
        {
            DecryptRound(Unsafe.Add(ref roundKeys, r));
        }

        DecryptLastRound(Unsafe.Add(ref roundKeys, rounds));
    }

    /// <summary>Block i ← block i ⊕ the i-th 16 bytes at <paramref name="source"/>, stored to <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void XorStore(ref byte source, ref byte destination)
    {
        (B0 ^ Vector128.LoadUnsafe(ref source, 0)).StoreUnsafe(ref destination, 0);
        (B1 ^ Vector128.LoadUnsafe(ref source, 16)).StoreUnsafe(ref destination, 16);
        (B2 ^ Vector128.LoadUnsafe(ref source, 32)).StoreUnsafe(ref destination, 32);
        (B3 ^ Vector128.LoadUnsafe(ref source, 48)).StoreUnsafe(ref destination, 48);
        (B4 ^ Vector128.LoadUnsafe(ref source, 64)).StoreUnsafe(ref destination, 64);
        (B5 ^ Vector128.LoadUnsafe(ref source, 80)).StoreUnsafe(ref destination, 80);
        (B6 ^ Vector128.LoadUnsafe(ref source, 96)).StoreUnsafe(ref destination, 96);
        (B7 ^ Vector128.LoadUnsafe(ref source, 112)).StoreUnsafe(ref destination, 112);
    }

    /// <summary>Stores the eight blocks contiguously.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ref byte destination)
    {
        B0.StoreUnsafe(ref destination, 0);
        B1.StoreUnsafe(ref destination, 16);
        B2.StoreUnsafe(ref destination, 32);
        B3.StoreUnsafe(ref destination, 48);
        B4.StoreUnsafe(ref destination, 64);
        B5.StoreUnsafe(ref destination, 80);
        B6.StoreUnsafe(ref destination, 96);
        B7.StoreUnsafe(ref destination, 112);
    }
}
