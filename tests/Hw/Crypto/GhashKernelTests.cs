using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>
/// Every GHASH kernel shape against the bit-by-bit reference of SP 800-38D: the managed Shoup tables, the 128-bit
/// PCLMULQDQ kernel, the emulated ymm/zmm shapes (which run the wide lane layout, power order and folds here) and the
/// hardware ymm/zmm shapes wherever the CPU has VPCLMULQDQ.
/// </summary>
public sealed class GhashKernelTests
{
    private static void AssertKernelMatchesReference<TVec, TClmul>()
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        var random = new Random(TClmul.Lanes * 1000 + typeof(TClmul).Name.Length);
        for (var round = 0; round < 200; round++)
        {
            var h = new byte[16];
            random.NextBytes(h);
            var y0 = new byte[16];
            random.NextBytes(y0);
            var blockCount = round < 60 ? round : random.Next(0, 100);
            var blocks = new byte[blockCount * 16];
            random.NextBytes(blocks);
            var expected = ReferenceCrypto.Ghash(h, blocks, y0);

            var powers = GhashClmul.ComputeKeyPowers(Vector128.Create(h));
            var y = GhashClmul.FromState(BinaryPrimitivesReadBigEndian(y0, 0), BinaryPrimitivesReadBigEndian(y0, 8));
            y = GhashClmul.Update<TVec, TClmul>(y, ref MemoryMarshal.GetArrayDataReference(blocks), (nuint)blockCount,
                ref MemoryMarshal.GetArrayDataReference(powers));
            var actual = new byte[16];
            WriteBigEndian(actual, 0, y.GetElement(1));
            WriteBigEndian(actual, 8, y.GetElement(0));
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(TClmul).Name}: {blockCount} blocks, round {round}");
        }
    }

    [Fact]
    public void ShoupTable_RandomInputs_MatchesBitwiseReference()
    {
        var random = new Random(1);
        for (var round = 0; round < 200; round++)
        {
            var h = new byte[16];
            random.NextBytes(h);
            var blocks = new byte[16 * random.Next(0, 20)];
            random.NextBytes(blocks);
            var table = new GhashTable(h);
            ulong hi = 0, lo = 0;
            table.Update(ref hi, ref lo, blocks);
            var actual = new byte[16];
            WriteBigEndian(actual, 0, hi);
            WriteBigEndian(actual, 8, lo);
            Assert.Equal(ReferenceCrypto.Ghash(h, blocks), actual);
        }
    }

    [Fact]
    public void V128_RandomInputs_MatchesReference()
    {
        if (!CarrylessMultiply128.IsSupported)
        {
            Assert.False(Pclmulqdq.IsSupported && Ssse3.IsSupported);
            return;
        }

        AssertKernelMatchesReference<Vector128<ulong>, CarrylessMultiply128>();
    }

    [Fact]
    public void EmulatedV256_RandomInputs_MatchesReference()
    {
        if (!CarrylessMultiply256Emulated.IsSupported)
        {
            Assert.False(Pclmulqdq.IsSupported && Ssse3.IsSupported);
            return;
        }

        AssertKernelMatchesReference<Vector256<ulong>, CarrylessMultiply256Emulated>();
    }

    [Fact]
    public void EmulatedV512_RandomInputs_MatchesReference()
    {
        if (!CarrylessMultiply512Emulated.IsSupported)
        {
            Assert.False(Pclmulqdq.IsSupported && Ssse3.IsSupported);
            return;
        }

        AssertKernelMatchesReference<Vector512<ulong>, CarrylessMultiply512Emulated>();
    }

    [Fact]
    public void HardwareV256_RandomInputs_MatchesReferenceWhereSupported()
    {
        if (!CarrylessMultiply256.IsSupported)
        {
            // No VPCLMULQDQ ymm here: the Intrinsics backend must refuse this shape rather than run it.
            Assert.False(Pclmulqdq.V256.IsSupported && Avx2.IsSupported && Pclmulqdq.IsSupported);
            Assert.ThrowsAny<NotSupportedException>(() => new AesGcm256(new byte[32], CryptoBackend.Intrinsics, GhashWidth.V256));
            return;
        }

        AssertKernelMatchesReference<Vector256<ulong>, CarrylessMultiply256>();
    }

    [Fact]
    public void HardwareV512_RandomInputs_MatchesReferenceWhereSupported()
    {
        if (!CarrylessMultiply512.IsSupported)
        {
            Assert.False(Pclmulqdq.V512.IsSupported && Avx512BW.IsSupported && Pclmulqdq.IsSupported);
            Assert.ThrowsAny<NotSupportedException>(() => new AesGcm256(new byte[32], CryptoBackend.Intrinsics, GhashWidth.V512));
            return;
        }

        AssertKernelMatchesReference<Vector512<ulong>, CarrylessMultiply512>();
    }

    [Fact]
    public void KeyPowers_TimesReflectedBlock_IsBlockTimesPowerOfH()
    {
        if (!CarrylessMultiply128.IsSupported)
        {
            Assert.False(Pclmulqdq.IsSupported && Ssse3.IsSupported);
            return;
        }

        var random = new Random(2);
        var h = new byte[16];
        random.NextBytes(h);
        var a = new byte[16];
        random.NextBytes(a);
        var powers = GhashClmul.ComputeKeyPowers(Vector128.Create(h));
        var expected = a;
        var reflectedA = Vector128.Create(BinaryPrimitivesReadBigEndian(a, 8), BinaryPrimitivesReadBigEndian(a, 0));
        for (var i = 1; i <= GhashClmul.PowerCount; i++)
        {
            expected = ReferenceCrypto.GfMultiply(expected, h);
            var product = GhashClmul.Multiply(reflectedA, powers[GhashClmul.PowerCount - i]);
            var actual = new byte[16];
            WriteBigEndian(actual, 0, product.GetElement(1));
            WriteBigEndian(actual, 8, product.GetElement(0));
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"A·H^{i}");
        }
    }

    private static ulong BinaryPrimitivesReadBigEndian(byte[] b, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(offset));

    private static void WriteBigEndian(byte[] b, int offset, ulong value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(offset), value);
}
