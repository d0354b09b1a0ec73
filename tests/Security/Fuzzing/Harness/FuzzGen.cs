using CsCheck;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>
/// Field-value generators shared by the message generators: uniform values mixed with the edges a decoder must get
/// right (0, 1, all ones, the sign bit), so the valid messages already probe value checks before any mutation.
/// </summary>
internal static class FuzzGen
{
    public static readonly Gen<byte> U8 = Gen.Frequency(
        (6, (IGen<byte>)Gen.Byte),
        (1, Gen.OneOf<byte>(0, 1, 0x7F, 0x80, 0xFF)));

    public static readonly Gen<ushort> U16 = Gen.Frequency(
        (6, (IGen<ushort>)Gen.UShort),
        (1, Gen.OneOf<ushort>(0, 1, 0x7FFF, 0x8000, 0xFFFF)));

    public static readonly Gen<uint> U32 = Gen.Frequency(
        (6, (IGen<uint>)Gen.UInt),
        (1, Gen.OneOf<uint>(0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF)));

    public static readonly Gen<ulong> U64 = Gen.Frequency(
        (6, (IGen<ulong>)Gen.ULong),
        (1, Gen.OneOf<ulong>(0, 1, long.MaxValue, 1ul << 63, ulong.MaxValue)));

    public static readonly Gen<bool> Bool = Gen.Bool;

    /// <summary>Random bytes of exactly <paramref name="length"/>.</summary>
    public static Gen<byte[]> Bytes(int length) => new RandomBytes(length, length);

    /// <summary>Random bytes of a length in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Gen<byte[]> Bytes(int min, int max) => new RandomBytes(min, max);

    /// <summary>A value of <paramref name="values"/>.</summary>
    public static Gen<T> OneOf<T>(params T[] values) => Gen.OneOf(values);

    /// <summary>Picks one of several generators of the same sample type.</summary>
    public static Gen<T> Any<T>(params Gen<T>[] gens) => Gen.OneOf(gens.Cast<IGen<T>>().ToArray());
}

/// <summary>
/// Random bytes, four per PCG step (CsCheck's element-wise array generator tracks a size per byte, which dominates
/// the cost of generating payloads); the size is the length, so shrinking prefers shorter arrays.
/// </summary>
internal sealed class RandomBytes(int min, int max) : Gen<byte[]>
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override byte[] Generate(PCG pcg, Size? min1, out Size size)
    {
        var length = min == max ? min : min + (int)pcg.Next((uint)(max - min + 1));
        var bytes = new byte[length];
        var i = 0;
        for (; i + 4 <= length; i += 4)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i), pcg.Next());
        }

        if (i < length)
        {
            var last = pcg.Next();
            for (; i < length; i++, last >>= 8)
            {
                bytes[i] = (byte)last;
            }
        }

        size = new Size((ulong)length);
        return bytes;
    }
}
