using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Crypto;

/// <summary>
/// The 512-bit shape with each lane multiplied by 128-bit PCLMULQDQ: the same lane layout and results as
/// <see cref="CarrylessMultiply512"/>, on CPUs without VPCLMULQDQ. It exists so the wide kernels are tested everywhere.
/// </summary>
internal readonly struct CarrylessMultiply512Emulated : ICarrylessMultiply<Vector512<ulong>>
{
    public static bool IsSupported => Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLowLow(Vector512<ulong> a, Vector512<ulong> b) => PerLane(a, b, 0x00);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyHighLow(Vector512<ulong> a, Vector512<ulong> b) => PerLane(a, b, 0x01);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLowHigh(Vector512<ulong> a, Vector512<ulong> b) => PerLane(a, b, 0x10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyHighHigh(Vector512<ulong> a, Vector512<ulong> b) => PerLane(a, b, 0x11);

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> PerLane(Vector512<ulong> a, Vector512<ulong> b, [ConstantExpected] byte control)
    {
        Vector256<ulong> a0 = a.GetLower(), a1 = a.GetUpper(), b0 = b.GetLower(), b1 = b.GetUpper();
        return Vector512.Create(
            Vector256.Create(
                Pclmulqdq.CarrylessMultiply(a0.GetLower(), b0.GetLower(), control),
                Pclmulqdq.CarrylessMultiply(a0.GetUpper(), b0.GetUpper(), control)),
            Vector256.Create(
                Pclmulqdq.CarrylessMultiply(a1.GetLower(), b1.GetLower(), control),
                Pclmulqdq.CarrylessMultiply(a1.GetUpper(), b1.GetUpper(), control)));
    }
}
