using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>
/// GHASH with carry-less multiplication (Gueron &amp; Kounavis, Intel white paper rev 2.02): byte-reflected blocks,
/// schoolbook 4-multiply products, aggregated reduction over a group of blocks with precomputed powers of H, and the
/// two-step folding reduction by x^63 + x^62 + x^57 used by OpenSSL and Linux <c>aes-gcm-avx10-x86_64.S</c>.
/// </summary>
/// <remarks>
/// <para>Representation. A reflected block is a 128-bit integer whose bit n is the coefficient of x^(127−n). The
/// carry-less product of two such integers, read as a 256-bit reflected value, is x·A·B — one factor of x too many.
/// The key powers are therefore stored as K_i = H^i·x^−1 (H shifted left by one bit, reduced), so multiplying by K_i
/// gives exactly A·H^i and the accumulator is always the true GHASH state, interchangeable with <see cref="GhashTable"/>.</para>
/// <para>Aggregation. For a group of n blocks X_1..X_n and state Y: Y' = (Y ⊕ X_1)·H^n ⊕ X_2·H^(n−1) ⊕ … ⊕ X_n·H. The
/// unreduced 256-bit products (LO, MI, HI) are XORed and reduced once per group. Powers are stored highest first
/// (index 0 = H^16 … index 15 = H^1), so a group of n blocks reads the n contiguous entries ending at H^1, and a
/// vector of L lanes loads L consecutive powers: lane j of vector v multiplies block v·L + j.</para>
/// </remarks>
internal static class GhashClmul
{
    /// <summary>Powers of H kept per key (H^1..H^16).</summary>
    public const int PowerCount = 16;

    /// <summary>Blocks per aggregated reduction in the kernels (8, matching 8 AES blocks in flight).</summary>
    public const int GroupBlocks = 8;

    /// <summary>The powers for a key: index i holds H^(16−i)·x^−1; <paramref name="hashKey"/> is H = E_K(0^128) as bytes.</summary>
    public static Vector128<ulong>[] ComputeKeyPowers(Vector128<byte> hashKey)
    {
        var h = GhashLanes.Reflect(hashKey);

        // K_1 = H·x^−1: shift the integer left by one; a bit shifted out (x^−1) folds back as x^127 + x^6 + x + 1.
        var hi = h.GetElement(1);
        var lo = h.GetElement(0);
        var carry = 0UL - (hi >> 63);
        var k1 = Vector128.Create((lo << 1) ^ (carry & 1), ((hi << 1) | (lo >> 63)) ^ (carry & 0xC200000000000000UL));

        var powers = new Vector128<ulong>[PowerCount];
        powers[PowerCount - 1] = k1;
        for (var i = 2; i <= PowerCount; i++)
        {
            // K_i = K_(i−1) · K_1 · x = H^i·x^−1.
            powers[PowerCount - i] = Multiply(powers[PowerCount - i + 1], k1);
        }

        return powers;
    }

    /// <summary>R(a)·R(b)·x mod P for reflected a, b; with b = K_i this is A·H^i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        var lo = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        var hi = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        var mi = Pclmulqdq.CarrylessMultiply(a, b, 0x01) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x10);
        return Reduce(lo, mi, hi);
    }

    /// <summary>
    /// Reduces the 256-bit product HI·2^128 ⊕ MI·2^64 ⊕ LO modulo x^128 + x^7 + x^2 + x + 1 (reflected). Each step folds the
    /// lowest 64 bits Q (the highest-degree terms, x^192·Q then x^128·Q) into the next 128 bits: swapping the halves moves Q
    /// 128 bit positions up (Q·x^−128) and Q × 0xC2…00 (= x + x^2 + x^7 in the lane) adds the rest of Q·(x^7 + x^2 + x + 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Reduce(Vector128<ulong> lo, Vector128<ulong> mi, Vector128<ulong> hi)
    {
        var poly = Vector128.Create(1UL, 0xC200000000000000UL);
        mi ^= Sse2.Shuffle(lo.AsUInt32(), 0x4E).AsUInt64() ^ Pclmulqdq.CarrylessMultiply(lo, poly, 0x10);
        return hi ^ Sse2.Shuffle(mi.AsUInt32(), 0x4E).AsUInt64() ^ Pclmulqdq.CarrylessMultiply(mi, poly, 0x10);
    }

    /// <summary>Accumulates the unreduced product x·k of every lane into (lo, mi, hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate<TVec, TClmul>(TVec x, TVec k, ref TVec lo, ref TVec mi, ref TVec hi)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        lo = TClmul.Xor(lo, TClmul.MultiplyLowLow(x, k));
        hi = TClmul.Xor(hi, TClmul.MultiplyHighHigh(x, k));
        mi = TClmul.Xor(mi, TClmul.Xor(TClmul.MultiplyHighLow(x, k), TClmul.MultiplyLowHigh(x, k)));
    }

    /// <summary>
    /// Absorbs one group of <see cref="GroupBlocks"/> blocks: Y' = (Y ⊕ X_1)·H^8 ⊕ … ⊕ X_8·H, reduced once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Group<TVec, TClmul>(Vector128<ulong> y, ref byte blocks, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        ref var keys = ref GroupKeys(ref powers);
        FirstStep<TVec, TClmul>(y, ref blocks, ref keys, out var lo, out var mi, out var hi);
        Step<TVec, TClmul>(1, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(2, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(3, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(4, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(5, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(6, ref blocks, ref keys, ref lo, ref mi, ref hi);
        Step<TVec, TClmul>(7, ref blocks, ref keys, ref lo, ref mi, ref hi);
        return FinishGroup<TVec, TClmul>(lo, mi, hi);
    }

    /// <summary>The powers a group uses: H^8..H^1, in block order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref Vector128<ulong> GroupKeys(ref Vector128<ulong> powers) => ref Unsafe.Add(ref powers, PowerCount - GroupBlocks);

    /// <summary>Step 0 of a group: the first vector of blocks, with the running state folded into its lane 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FirstStep<TVec, TClmul>(Vector128<ulong> y, ref byte group, ref Vector128<ulong> keys, out TVec lo, out TVec mi, out TVec hi)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        var x = TClmul.Xor(TClmul.LoadBlocksReflected(ref group), TClmul.FromLane0(y));
        var k = TClmul.LoadKeys(ref keys);
        lo = TClmul.MultiplyLowLow(x, k);
        hi = TClmul.MultiplyHighHigh(x, k);
        mi = TClmul.Xor(TClmul.MultiplyHighLow(x, k), TClmul.MultiplyLowHigh(x, k));
    }

    /// <summary>
    /// Step <paramref name="v"/> of a group: the blocks of vector v (v·Lanes .. v·Lanes + Lanes − 1). Callers pass constants
    /// 1..7 so the kernels can place steps between AES rounds; steps past the group (v ≥ 8 / Lanes) fold away in the JIT.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step<TVec, TClmul>(int v, ref byte group, ref Vector128<ulong> keys, ref TVec lo, ref TVec mi, ref TVec hi)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        if (v < GroupBlocks / TClmul.Lanes)
        {
            MultiplyAccumulate<TVec, TClmul>(
                TClmul.LoadBlocksReflected(ref Unsafe.Add(ref group, v * 16 * TClmul.Lanes)),
                TClmul.LoadKeys(ref Unsafe.Add(ref keys, v * TClmul.Lanes)),
                ref lo, ref mi, ref hi);
        }
    }

    /// <summary>Folds the lanes and reduces: the new state after a group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FinishGroup<TVec, TClmul>(TVec lo, TVec mi, TVec hi)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec> =>
        Reduce(TClmul.FoldLanes(lo), TClmul.FoldLanes(mi), TClmul.FoldLanes(hi));

    /// <summary>Absorbs 1..16 blocks with one reduction, 128 bits at a time (the tail after the wide groups).</summary>
    public static Vector128<ulong> Tail(Vector128<ulong> y, ref byte blocks, int count, ref Vector128<ulong> powers)
    {
        ref var keys = ref Unsafe.Add(ref powers, PowerCount - count);
        var x = GhashLanes.Reflect(Vector128.LoadUnsafe(ref blocks)) ^ y;
        var lo = Pclmulqdq.CarrylessMultiply(x, keys, 0x00);
        var hi = Pclmulqdq.CarrylessMultiply(x, keys, 0x11);
        var mi = Pclmulqdq.CarrylessMultiply(x, keys, 0x01) ^ Pclmulqdq.CarrylessMultiply(x, keys, 0x10);
        for (var i = 1; i < count; i++)
        {
            x = GhashLanes.Reflect(Vector128.LoadUnsafe(ref Unsafe.Add(ref blocks, i * 16)));
            MultiplyAccumulate<Vector128<ulong>, CarrylessMultiply128>(x, Unsafe.Add(ref keys, i), ref lo, ref mi, ref hi);
        }

        return Reduce(lo, mi, hi);
    }

    /// <summary>
    /// Absorbs <paramref name="count"/> (0..15) blocks at <paramref name="blocks"/> followed by the block at
    /// <paramref name="last"/>, with one reduction: Y' = (Y ⊕ X_1)·H^(count+1) ⊕ … ⊕ last·H.
    /// </summary>
    public static Vector128<ulong> TailWithLast(Vector128<ulong> y, ref byte blocks, int count, ref byte last, ref Vector128<ulong> powers)
    {
        ref var keys = ref Unsafe.Add(ref powers, PowerCount - (count + 1));
        var x = GhashLanes.Reflect(Vector128.LoadUnsafe(ref count > 0 ? ref blocks : ref last)) ^ y;
        var lo = Pclmulqdq.CarrylessMultiply(x, keys, 0x00);
        var hi = Pclmulqdq.CarrylessMultiply(x, keys, 0x11);
        var mi = Pclmulqdq.CarrylessMultiply(x, keys, 0x01) ^ Pclmulqdq.CarrylessMultiply(x, keys, 0x10);
        for (var i = 1; i <= count; i++)
        {
            x = GhashLanes.Reflect(Vector128.LoadUnsafe(ref i < count ? ref Unsafe.Add(ref blocks, i * 16) : ref last));
            MultiplyAccumulate<Vector128<ulong>, CarrylessMultiply128>(x, Unsafe.Add(ref keys, i), ref lo, ref mi, ref hi);
        }

        return Reduce(lo, mi, hi);
    }

    /// <summary>GHASH over <paramref name="blockCount"/> whole blocks: wide groups of 8, then a 128-bit tail.</summary>
    public static Vector128<ulong> Update<TVec, TClmul>(Vector128<ulong> y, ref byte blocks, nuint blockCount, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        nuint i = 0;
        for (; i + GroupBlocks <= blockCount; i += GroupBlocks)
        {
            y = Group<TVec, TClmul>(y, ref Unsafe.Add(ref blocks, i * 16), ref powers);
        }

        if (i < blockCount)
        {
            y = Tail(y, ref Unsafe.Add(ref blocks, i * 16), (int)(blockCount - i), ref powers);
        }

        return y;
    }

    /// <summary>The GHASH state (big-endian halves, as <see cref="GhashTable"/> keeps it) as a reflected vector, and back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FromState(ulong hi, ulong lo) => Vector128.Create(lo, hi);
}
