using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SevTio.Hw.Crypto;

/// <summary>
/// Tag comparison without data-dependent branches. <c>CryptographicOperations.FixedTimeEquals</c> is compiled without
/// optimisation on purpose and costs about 100 ns for 16 bytes, as much as sealing a whole TLP; GCM tags are 12..16
/// bytes, so two overlapping 8-byte words cover them.
/// </summary>
internal static class ConstantTime
{
    /// <summary>True when the two equal-length (12..16 byte) tags match; every byte is read whatever the contents.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TagEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length || a.Length < 8)
        {
            CryptoArgument.ThrowTag(b.Length);
        }

        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var last = a.Length - 8;
        var difference = (Unsafe.ReadUnaligned<ulong>(ref ra) ^ Unsafe.ReadUnaligned<ulong>(ref rb))
            | (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref ra, last)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref rb, last)));
        return difference == 0;
    }
}
