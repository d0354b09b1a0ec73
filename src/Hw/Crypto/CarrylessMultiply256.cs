using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>The 256-bit shape on VPCLMULQDQ ymm (<c>Pclmulqdq.V256</c>): 2 blocks per vector, one instruction per multiply.</summary>
internal readonly struct CarrylessMultiply256 : ICarrylessMultiply<Vector256<ulong>>
{
    public static bool IsSupported => Pclmulqdq.V256.IsSupported && Avx2.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public static int Lanes => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyLowLow(Vector256<ulong> a, Vector256<ulong> b) => Pclmulqdq.V256.CarrylessMultiply(a, b, 0x00);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyHighLow(Vector256<ulong> a, Vector256<ulong> b) => Pclmulqdq.V256.CarrylessMultiply(a, b, 0x01);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyLowHigh(Vector256<ulong> a, Vector256<ulong> b) => Pclmulqdq.V256.CarrylessMultiply(a, b, 0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyHighHigh(Vector256<ulong> a, Vector256<ulong> b) => Pclmulqdq.V256.CarrylessMultiply(a, b, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> LoadBlocksReflected(ref byte source) => GhashLanes.Reflect(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> LoadKeys(ref Vector128<ulong> keys) => GhashLanes.LoadKeys256(ref keys);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> FromLane0(Vector128<ulong> value) => value.ToVector256();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FoldLanes(Vector256<ulong> value) => GhashLanes.Fold(value);
}
