using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>
/// The AES-NI/PCLMULQDQ kernels of AES-GCM: CTR with eight blocks in flight, GHASH with aggregated reduction, and the
/// stitched loop that encrypts group i while it hashes the ciphertext of group i−1 (Gopal et al. 2010), so the AES
/// and carry-less-multiply units work side by side.
/// </summary>
internal static class GcmKernels
{
    /// <summary>
    /// A counter block kept byte-reversed, so its 32-bit counter (bytes 12..15, big-endian) sits in element 0 as a
    /// native integer: adding to element 0 is exactly inc32, wrapping mod 2^32 (SP 800-38D §6.2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> ReversedCounter(in GcmNonce nonce, uint counter)
    {
        var block = Vector128.Create(nonce.Low, nonce.High | ((ulong)BinaryPrimitives.ReverseEndianness(counter) << 32)).AsByte();
        return Reverse(block).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Reverse(Vector128<byte> block) =>
        Ssse3.Shuffle(block, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    /// <summary>The counter block <paramref name="k"/> after <paramref name="reversed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterBlock(Vector128<uint> reversed, uint k) =>
        Reverse((reversed + Vector128.CreateScalar(k)).AsByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AesBlocks8 CounterBlocks(Vector128<uint> reversed) => new()
    {
        B0 = CounterBlock(reversed, 0),
        B1 = CounterBlock(reversed, 1),
        B2 = CounterBlock(reversed, 2),
        B3 = CounterBlock(reversed, 3),
        B4 = CounterBlock(reversed, 4),
        B5 = CounterBlock(reversed, 5),
        B6 = CounterBlock(reversed, 6),
        B7 = CounterBlock(reversed, 7),
    };

    /// <summary>
    /// CTR over <paramref name="length"/> bytes from a block boundary: destination = source ⊕ E_K(counter blocks).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CtrXor(AesNiKey key, Vector128<uint> counter, ref byte source, ref byte destination, int length)
    {
        ref var rk = ref key.Encryption;
        var rounds = key.Rounds;
        var offset = 0;
        if (rounds == 14 && length >= 128)
        {
            // AES-256 (every GCM key here): rounds unrolled, round keys in locals.
            Vector128<byte> k0 = rk, k1 = Unsafe.Add(ref rk, 1), k2 = Unsafe.Add(ref rk, 2), k3 = Unsafe.Add(ref rk, 3), k4 = Unsafe.Add(ref rk, 4),
                k5 = Unsafe.Add(ref rk, 5), k6 = Unsafe.Add(ref rk, 6), k7 = Unsafe.Add(ref rk, 7), k8 = Unsafe.Add(ref rk, 8), k9 = Unsafe.Add(ref rk, 9),
                k10 = Unsafe.Add(ref rk, 10), k11 = Unsafe.Add(ref rk, 11), k12 = Unsafe.Add(ref rk, 12), k13 = Unsafe.Add(ref rk, 13), k14 = Unsafe.Add(ref rk, 14);
            for (; offset + 128 <= length; offset += 128)
            {
                var b = CounterBlocks(counter);
                b.Whiten(k0);
                b.EncryptRound(k1);
                b.EncryptRound(k2);
                b.EncryptRound(k3);
                b.EncryptRound(k4);
                b.EncryptRound(k5);
                b.EncryptRound(k6);
                b.EncryptRound(k7);
                b.EncryptRound(k8);
                b.EncryptRound(k9);
                b.EncryptRound(k10);
                b.EncryptRound(k11);
                b.EncryptRound(k12);
                b.EncryptRound(k13);
                b.EncryptLastRound(k14);
                b.XorStore(ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset));
                counter += Vector128.CreateScalar(8u);
            }
        }

        for (; offset + 128 <= length; offset += 128)
        {
            var b = CounterBlocks(counter);
            b.Encrypt(ref rk, rounds);
            b.XorStore(ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset));
            counter += Vector128.CreateScalar(8u);
        }

        if (offset < length)
        {
            CtrXorTail(ref rk, rounds, counter, ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset), length - offset);
        }
    }

    /// <summary>
    /// Up to 8 blocks (the last possibly partial) in one batch of four or eight, so a short tail costs one AES latency
    /// rather than one per block.
    /// </summary>
    [SkipLocalsInit]
    private static void CtrXorTail(ref Vector128<byte> rk, int rounds, Vector128<uint> counter, ref byte source, ref byte destination, int length)
    {
        // The blocks stay in registers through the rounds; only the finished keystream goes to the stack for the byte tail.
        Unsafe.SkipInit(out AesBlocks8 b);
        if (length <= 64)
        {
            b.B0 = CounterBlock(counter, 0);
            b.B1 = CounterBlock(counter, 1);
            b.B2 = CounterBlock(counter, 2);
            b.B3 = CounterBlock(counter, 3);
            b.EncryptFour(ref rk, rounds);
            b.B4 = b.B5 = b.B6 = b.B7 = default;
        }
        else if (rounds == 14)
        {
            b = CounterBlocks(counter);
            b.EncryptAes256(ref rk);
        }
        else
        {
            b = CounterBlocks(counter);
            b.Encrypt(ref rk, rounds);
        }

        Span<byte> keystream = stackalloc byte[128];
        ref var ks = ref MemoryMarshal.GetReference(keystream);
        b.Store(ref ks);
        var full = length & ~15;
        var i = 0;
        for (; i < full; i += 16)
        {
            (Vector128.LoadUnsafe(ref ks, (nuint)i) ^ Vector128.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref destination, i) = (byte)(Unsafe.Add(ref ks, i) ^ Unsafe.Add(ref source, i));
        }
    }

    /// <summary>
    /// Encrypts <paramref name="length"/> bytes from a block boundary and absorbs the ciphertext into <paramref name="y"/>; a
    /// final partial block is absorbed zero-padded (so callers pass a partial block only when the payload ends with it).
    /// Stitched: while group i runs its 14 AES rounds, the ciphertext of group i−1 is hashed, one vector of blocks after
    /// each of the first rounds and the reduction after the ninth, so AESENC and PCLMULQDQ issue side by side.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Vector128<ulong> CtrEncryptAndHash<TVec, TClmul>(AesNiKey key, Vector128<uint> counter, ref byte source, ref byte destination,
        int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        Debug.Assert(key.Rounds == 14, "GCM keys are AES-256.");
        ref var rk = ref key.Encryption;
        var acc = y;
        var offset = 0;
        if (length >= 128)
        {
            Vector128<byte> k0 = rk, k1 = Unsafe.Add(ref rk, 1), k2 = Unsafe.Add(ref rk, 2), k3 = Unsafe.Add(ref rk, 3), k4 = Unsafe.Add(ref rk, 4),
                k5 = Unsafe.Add(ref rk, 5), k6 = Unsafe.Add(ref rk, 6), k7 = Unsafe.Add(ref rk, 7), k8 = Unsafe.Add(ref rk, 8), k9 = Unsafe.Add(ref rk, 9),
                k10 = Unsafe.Add(ref rk, 10), k11 = Unsafe.Add(ref rk, 11), k12 = Unsafe.Add(ref rk, 12), k13 = Unsafe.Add(ref rk, 13), k14 = Unsafe.Add(ref rk, 14);
            ref var keys = ref GhashClmul.GroupKeys(ref powers);

            var b = CounterBlocks(counter);
            b.EncryptAes256(ref rk);
            b.XorStore(ref source, ref destination);
            counter += Vector128.CreateScalar(8u);
            offset = 128;

            for (; offset + 128 <= length; offset += 128)
            {
                ref var previous = ref Unsafe.Add(ref destination, offset - 128);
                b = CounterBlocks(counter);
                b.Whiten(k0);
                b.EncryptRound(k1);
                GhashClmul.FirstStep<TVec, TClmul>(acc, ref previous, ref keys, out var lo, out var mi, out var hi);
                b.EncryptRound(k2);
                GhashClmul.Step<TVec, TClmul>(1, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k3);
                GhashClmul.Step<TVec, TClmul>(2, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k4);
                GhashClmul.Step<TVec, TClmul>(3, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k5);
                GhashClmul.Step<TVec, TClmul>(4, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k6);
                GhashClmul.Step<TVec, TClmul>(5, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k7);
                GhashClmul.Step<TVec, TClmul>(6, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k8);
                GhashClmul.Step<TVec, TClmul>(7, ref previous, ref keys, ref lo, ref mi, ref hi);
                b.EncryptRound(k9);
                acc = GhashClmul.FinishGroup<TVec, TClmul>(lo, mi, hi);
                b.EncryptRound(k10);
                b.EncryptRound(k11);
                b.EncryptRound(k12);
                b.EncryptRound(k13);
                b.EncryptLastRound(k14);
                b.XorStore(ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset));
                counter += Vector128.CreateScalar(8u);
            }

            acc = GhashClmul.Group<TVec, TClmul>(acc, ref Unsafe.Add(ref destination, offset - 128), ref powers);
        }

        if (offset < length)
        {
            var rest = length - offset;
            ref var tailDestination = ref Unsafe.Add(ref destination, offset);
            CtrXorTail(ref rk, 14, counter, ref Unsafe.Add(ref source, offset), ref tailDestination, rest);
            var fullBlocks = rest >> 4;
            if (fullBlocks > 0)
            {
                acc = GhashClmul.Tail(acc, ref tailDestination, fullBlocks, ref powers);
            }

            if ((rest & 15) != 0)
            {
                acc = AbsorbPadded(acc, ref Unsafe.Add(ref tailDestination, fullBlocks * 16), rest & 15, ref powers);
            }
        }

        return acc;
    }

    /// <summary>
    /// The receive-side stitch: CTR over <paramref name="length"/> bytes while hashing the *input* (the ciphertext) of the
    /// same group, so keystream and GHASH overlap. Used by Open for short messages, decrypting into a scratch buffer
    /// that is copied out only after the tag verified.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Vector128<ulong> CtrDecryptAndHash<TVec, TClmul>(AesNiKey key, Vector128<uint> counter, ref byte source, ref byte destination,
        int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        Debug.Assert(key.Rounds == 14, "GCM keys are AES-256.");
        ref var rk = ref key.Encryption;
        ref var keys = ref GhashClmul.GroupKeys(ref powers);
        var acc = y;
        var offset = 0;
        for (; offset + 128 <= length; offset += 128)
        {
            ref var group = ref Unsafe.Add(ref source, offset);
            var b = CounterBlocks(counter);
            b.Whiten(rk);
            b.EncryptRound(Unsafe.Add(ref rk, 1));
            GhashClmul.FirstStep<TVec, TClmul>(acc, ref group, ref keys, out var lo, out var mi, out var hi);
            b.EncryptRound(Unsafe.Add(ref rk, 2));
            GhashClmul.Step<TVec, TClmul>(1, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 3));
            GhashClmul.Step<TVec, TClmul>(2, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 4));
            GhashClmul.Step<TVec, TClmul>(3, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 5));
            GhashClmul.Step<TVec, TClmul>(4, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 6));
            GhashClmul.Step<TVec, TClmul>(5, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 7));
            GhashClmul.Step<TVec, TClmul>(6, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 8));
            GhashClmul.Step<TVec, TClmul>(7, ref group, ref keys, ref lo, ref mi, ref hi);
            b.EncryptRound(Unsafe.Add(ref rk, 9));
            acc = GhashClmul.FinishGroup<TVec, TClmul>(lo, mi, hi);
            b.EncryptRound(Unsafe.Add(ref rk, 10));
            b.EncryptRound(Unsafe.Add(ref rk, 11));
            b.EncryptRound(Unsafe.Add(ref rk, 12));
            b.EncryptRound(Unsafe.Add(ref rk, 13));
            b.EncryptLastRound(Unsafe.Add(ref rk, 14));
            b.XorStore(ref group, ref Unsafe.Add(ref destination, offset));
            counter += Vector128.CreateScalar(8u);
        }

        if (offset < length)
        {
            var rest = length - offset;
            ref var tailSource = ref Unsafe.Add(ref source, offset);
            var fullBlocks = rest >> 4;
            if (fullBlocks > 0)
            {
                acc = GhashClmul.Tail(acc, ref tailSource, fullBlocks, ref powers);
            }

            if ((rest & 15) != 0)
            {
                acc = AbsorbPadded(acc, ref Unsafe.Add(ref tailSource, fullBlocks * 16), rest & 15, ref powers);
            }

            CtrXorTail(ref rk, 14, counter, ref tailSource, ref Unsafe.Add(ref destination, offset), rest);
        }

        return acc;
    }

    /// <summary>GHASH over any number of bytes, the last partial block zero-padded.</summary>
    public static Vector128<ulong> HashPadded<TVec, TClmul>(Vector128<ulong> y, ref byte data, int length, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        var blocks = length >> 4;
        var rest = length & 15;
        if (rest != 0 && blocks < GhashClmul.PowerCount)
        {
            // Short data with a partial last block (associated data: an IDE TLP's prefix and header): every block,
            // the zero-padded last one included, under one aggregated reduction.
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            Unsafe.CopyBlockUnaligned(ref last[0], ref Unsafe.Add(ref data, blocks * 16), (uint)rest);
            return GhashClmul.TailWithLast(y, ref data, blocks, ref last[0], ref powers);
        }

        if (blocks > 0)
        {
            y = GhashClmul.Update<TVec, TClmul>(y, ref data, (nuint)blocks, ref powers);
        }

        if (rest != 0)
        {
            y = AbsorbPadded(y, ref Unsafe.Add(ref data, blocks * 16), rest, ref powers);
        }

        return y;
    }

    /// <summary>Y ← (Y ⊕ (bytes ‖ 0…))·H for 1..15 bytes.</summary>
    public static Vector128<ulong> AbsorbPadded(Vector128<ulong> y, ref byte data, int count, ref Vector128<ulong> powers)
    {
        var block = Vector128<byte>.Zero;
        ref var b = ref Unsafe.As<Vector128<byte>, byte>(ref block);
        Unsafe.CopyBlockUnaligned(ref b, ref data, (uint)count);
        return GhashClmul.Multiply(y ^ GhashLanes.Reflect(block), Unsafe.Add(ref powers, GhashClmul.PowerCount - 1));
    }

    /// <summary>Absorbs the length block [len(A)]64 ‖ [len(C)]64 (in bits) and returns the tag E_K(J0) ⊕ S as bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Tag(Vector128<ulong> y, Vector128<byte> encryptedJ0, long associatedDataLength, long payloadLength, ref Vector128<ulong> powers)
    {
        // Reflected, the length block is the integer len(A)·2^64 + len(C): element 1 = len(A), element 0 = len(C).
        var lengths = Vector128.Create((ulong)payloadLength * 8, (ulong)associatedDataLength * 8);
        y = GhashClmul.Multiply(y ^ lengths, Unsafe.Add(ref powers, GhashClmul.PowerCount - 1));
        return encryptedJ0 ^ Reverse(y.AsByte());
    }
}
