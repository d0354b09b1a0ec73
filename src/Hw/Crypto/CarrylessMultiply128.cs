using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>The 128-bit shape on PCLMULQDQ: one block per vector.</summary>
internal readonly struct CarrylessMultiply128 : ICarrylessMultiply<Vector128<ulong>>
{
    public static bool IsSupported => Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public static int Lanes => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MultiplyLowLow(Vector128<ulong> a, Vector128<ulong> b) => Pclmulqdq.CarrylessMultiply(a, b, 0x00);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MultiplyHighLow(Vector128<ulong> a, Vector128<ulong> b) => Pclmulqdq.CarrylessMultiply(a, b, 0x01);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MultiplyLowHigh(Vector128<ulong> a, Vector128<ulong> b) => Pclmulqdq.CarrylessMultiply(a, b, 0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MultiplyHighHigh(Vector128<ulong> a, Vector128<ulong> b) => Pclmulqdq.CarrylessMultiply(a, b, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Xor(Vector128<ulong> a, Vector128<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> LoadBlocksReflected(ref byte source) => GhashLanes.Reflect(Vector128.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> LoadKeys(ref Vector128<ulong> keys) => keys;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FromLane0(Vector128<ulong> value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> FoldLanes(Vector128<ulong> value) => value;
}
