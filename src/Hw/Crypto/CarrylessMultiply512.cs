using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>The 512-bit shape on VPCLMULQDQ zmm (<c>Pclmulqdq.V512</c>): 4 blocks per vector, one instruction per multiply.</summary>
internal readonly struct CarrylessMultiply512 : ICarrylessMultiply<Vector512<ulong>>
{
    public static bool IsSupported => Pclmulqdq.V512.IsSupported && Avx512BW.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLowLow(Vector512<ulong> a, Vector512<ulong> b) => Pclmulqdq.V512.CarrylessMultiply(a, b, 0x00);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyHighLow(Vector512<ulong> a, Vector512<ulong> b) => Pclmulqdq.V512.CarrylessMultiply(a, b, 0x01);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLowHigh(Vector512<ulong> a, Vector512<ulong> b) => Pclmulqdq.V512.CarrylessMultiply(a, b, 0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyHighHigh(Vector512<ulong> a, Vector512<ulong> b) => Pclmulqdq.V512.CarrylessMultiply(a, b, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> LoadBlocksReflected(ref byte source) => GhashLanes.Reflect(Vector512.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> LoadKeys(ref Vector128<ulong> keys) => GhashLanes.LoadKeys512(ref keys);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> FromLane0(Vector128<ulong> value) => value.ToVector256().ToVector512();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FoldLanes(Vector512<ulong> value) => GhashLanes.Fold(value);
}
