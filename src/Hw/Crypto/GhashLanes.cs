using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>
/// The non-multiply vector operations of the GHASH shapes, shared by the hardware and the emulated multiply of each
/// width, so an emulated run exercises exactly the loads, lane layout and folds the hardware run would use.
/// </summary>
internal static class GhashLanes
{
    /// <summary>Reverses the 16 bytes of a block: GCM's bit order becomes an integer whose bit n is the coefficient of x^(127−n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Reflect(Vector128<byte> block) =>
        Ssse3.Shuffle(block, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Reflect(Vector256<byte> blocks)
    {
        if (Avx2.IsSupported)
        {
            // VPSHUFB shuffles within each 128-bit lane.
            return Avx2.Shuffle(blocks, Vector256.Create(
                (byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)).AsUInt64();
        }

        return Vector256.Create(Reflect(blocks.GetLower()), Reflect(blocks.GetUpper()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Reflect(Vector512<byte> blocks)
    {
        if (Avx512BW.IsSupported)
        {
            return Avx512BW.Shuffle(blocks, Vector512.Create(
                (byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
                15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)).AsUInt64();
        }

        return Vector512.Create(Reflect(blocks.GetLower()), Reflect(blocks.GetUpper()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> LoadKeys256(ref Vector128<ulong> keys) => Vector256.LoadUnsafe(ref Unsafe.As<Vector128<ulong>, ulong>(ref keys));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> LoadKeys512(ref Vector128<ulong> keys) => Vector512.LoadUnsafe(ref Unsafe.As<Vector128<ulong>, ulong>(ref keys));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Fold(Vector256<ulong> value) => value.GetLower() ^ value.GetUpper();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Fold(Vector512<ulong> value) => Fold(value.GetLower() ^ value.GetUpper());
}
