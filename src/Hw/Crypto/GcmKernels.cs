using System.Buffers.Binary;
using System.Runtime.CompilerServices;
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
    public static void CtrXor(AesNiKey key, Vector128<uint> counter, ref byte source, ref byte destination, int length)
    {
        ref var rk = ref key.Encryption;
        var rounds = key.Rounds;
        var offset = 0;
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

    /// <summary>Up to 8 blocks (the last possibly partial) in one batch, so a short tail costs one AES latency, not eight.</summary>
    private static void CtrXorTail(ref Vector128<byte> rk, int rounds, Vector128<uint> counter, ref byte source, ref byte destination, int length)
    {
        var b = CounterBlocks(counter);
        b.Encrypt(ref rk, rounds);
        ref var ks = ref Unsafe.As<AesBlocks8, byte>(ref b);
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
    /// Stitched: while group i is in the AES rounds, the ciphertext of group i−1 is hashed.
    /// </summary>
    public static Vector128<ulong> CtrEncryptAndHash<TVec, TClmul>(AesNiKey key, Vector128<uint> counter, ref byte source, ref byte destination,
        int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        ref var rk = ref key.Encryption;
        var rounds = key.Rounds;
        var offset = 0;
        if (length >= 128)
        {
            var b = CounterBlocks(counter);
            b.Encrypt(ref rk, rounds);
            b.XorStore(ref source, ref destination);
            counter += Vector128.CreateScalar(8u);
            offset = 128;

            for (; offset + 128 <= length; offset += 128)
            {
                b = CounterBlocks(counter);
                b.Whiten(rk);
                b.EncryptRound(Unsafe.Add(ref rk, 1));
                y = GhashClmul.Group<TVec, TClmul>(y, ref Unsafe.Add(ref destination, offset - 128), ref powers);
                for (var r = 2; r < rounds; r++)
                {
                    b.EncryptRound(Unsafe.Add(ref rk, r));
                }

                b.EncryptLastRound(Unsafe.Add(ref rk, rounds));
                b.XorStore(ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset));
                counter += Vector128.CreateScalar(8u);
            }

            y = GhashClmul.Group<TVec, TClmul>(y, ref Unsafe.Add(ref destination, offset - 128), ref powers);
        }

        if (offset < length)
        {
            var rest = length - offset;
            ref var tailDestination = ref Unsafe.Add(ref destination, offset);
            CtrXorTail(ref rk, rounds, counter, ref Unsafe.Add(ref source, offset), ref tailDestination, rest);
            var fullBlocks = rest >> 4;
            if (fullBlocks > 0)
            {
                y = GhashClmul.Tail(y, ref tailDestination, fullBlocks, ref powers);
            }

            if ((rest & 15) != 0)
            {
                y = AbsorbPadded(y, ref Unsafe.Add(ref tailDestination, fullBlocks * 16), rest & 15, ref powers);
            }
        }

        return y;
    }

    /// <summary>GHASH over any number of bytes, the last partial block zero-padded.</summary>
    public static Vector128<ulong> HashPadded<TVec, TClmul>(Vector128<ulong> y, ref byte data, int length, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        var blocks = length >> 4;
        if (blocks > 0)
        {
            y = GhashClmul.Update<TVec, TClmul>(y, ref data, (nuint)blocks, ref powers);
        }

        if ((length & 15) != 0)
        {
            y = AbsorbPadded(y, ref Unsafe.Add(ref data, blocks * 16), length & 15, ref powers);
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
