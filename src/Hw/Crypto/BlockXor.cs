using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SevTio.Hw.Crypto;

/// <summary>Byte-wise XOR of equal-length spans (SIMD where it pays, an explicit scalar tail).</summary>
internal static class BlockXor
{
    /// <summary><paramref name="destination"/>[i] = <paramref name="a"/>[i] ⊕ <paramref name="b"/>[i]; destination may be a or b exactly.</summary>
    public static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        var length = destination.Length;
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rd = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                (Vector128.LoadUnsafe(ref ra, (nuint)i) ^ Vector128.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else
        {
            for (; i + 8 <= length; i += 8)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref rd, i),
                    Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref ra, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref rb, i)));
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref rd, i) = (byte)(Unsafe.Add(ref ra, i) ^ Unsafe.Add(ref rb, i));
        }
    }
}
