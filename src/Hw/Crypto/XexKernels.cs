using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace SevTio.Hw.Crypto;

/// <summary>
/// AES-NI kernels of the XEX memory encryption (see <see cref="MemoryEncryptionKey"/> for the tweak) and of the fused
/// data-path passes. The main loops take two cache lines (eight blocks) at a time and encrypt the tweaks of the next
/// two lines in the same AES wave as the current data blocks, so the tweak costs no extra latency.
/// </summary>
internal static class XexKernels
{
    /// <summary>T ⊗ α in GF(2^128), T a little-endian 128-bit integer (IEEE 1619 §5.2): shift left one bit, fold 0x87.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Double(Vector128<byte> t)
    {
        var q = t.AsUInt64();
        var carries = Sse2.ShiftRightLogical(q, 63);                       // element 0: lo→hi carry, element 1: carry out
        var swapped = Sse2.Shuffle(carries.AsUInt32(), 0x4E).AsUInt64();   // element 0: carry out, element 1: lo→hi carry
        var fold = (Vector128<ulong>.Zero - swapped) & Vector128.Create(0x87UL, 1UL);
        return (Sse2.ShiftLeftLogical(q, 1) ^ fold).AsByte();
    }

    /// <summary>The tweak-encryption input for the line holding <paramref name="address"/>: the line address as a 128-bit LE integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> LineBlock(ulong address) => Vector128.CreateScalar(address & ~63UL).AsByte();

    /// <summary>Eight tweaks for two consecutive lines from their encrypted line blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AesBlocks8 ExpandTweaks(Vector128<byte> line0, Vector128<byte> line1)
    {
        AesBlocks8 t;
        t.B0 = line0;
        t.B1 = Double(line0);
        t.B2 = Double(t.B1);
        t.B3 = Double(t.B2);
        t.B4 = line1;
        t.B5 = Double(line1);
        t.B6 = Double(t.B5);
        t.B7 = Double(t.B6);
        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AesBlocks8 Xor(in AesBlocks8 a, in AesBlocks8 b) => new()
    {
        B0 = a.B0 ^ b.B0,
        B1 = a.B1 ^ b.B1,
        B2 = a.B2 ^ b.B2,
        B3 = a.B3 ^ b.B3,
        B4 = a.B4 ^ b.B4,
        B5 = a.B5 ^ b.B5,
        B6 = a.B6 ^ b.B6,
        B7 = a.B7 ^ b.B7,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AesBlocks8 Load(ref byte source) => new()
    {
        B0 = Vector128.LoadUnsafe(ref source, 0),
        B1 = Vector128.LoadUnsafe(ref source, 16),
        B2 = Vector128.LoadUnsafe(ref source, 32),
        B3 = Vector128.LoadUnsafe(ref source, 48),
        B4 = Vector128.LoadUnsafe(ref source, 64),
        B5 = Vector128.LoadUnsafe(ref source, 80),
        B6 = Vector128.LoadUnsafe(ref source, 96),
        B7 = Vector128.LoadUnsafe(ref source, 112),
    };

    /// <summary>
    /// XEX over whole blocks at 16-aligned <paramref name="address"/>. Head and tail blocks outside whole line pairs go one
    /// line at a time; the body runs two lines per iteration with the next tweaks pipelined.
    /// </summary>
    public static void Transform(AesNiKey data, AesNiKey tweak, ulong address, ref byte source, ref byte destination, int length, bool encrypt)
    {
        var offset = 0;
        var head = (int)((64 - (address & 63)) & 63);
        if (head > 0)
        {
            head = Math.Min(head, length);
            PartialLine(data, tweak, address, ref source, ref destination, head, encrypt);
            offset = head;
        }

        if (length - offset >= 128)
        {
            var body = (length - offset) & ~127;
            if (encrypt)
            {
                LinePairs<EncryptRounds>(data, tweak, address + (ulong)offset, ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset), body);
            }
            else
            {
                LinePairs<DecryptRounds>(data, tweak, address + (ulong)offset, ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset), body);
            }

            offset += body;
        }

        while (offset < length)
        {
            var count = Math.Min(64, length - offset);
            PartialLine(data, tweak, address + (ulong)offset, ref Unsafe.Add(ref source, offset), ref Unsafe.Add(ref destination, offset), count, encrypt);
            offset += count;
        }
    }

    /// <summary>Blocks within one cache line (1..4 blocks from a 16-aligned address).</summary>
    private static void PartialLine(AesNiKey data, AesNiKey tweak, ulong address, ref byte source, ref byte destination, int length, bool encrypt)
    {
        var t = AesNiKey.EncryptBlock(LineBlock(address), ref tweak.Encryption, tweak.Rounds);
        for (var j = (int)((address >> 4) & 3); j > 0; j--)
        {
            t = Double(t);
        }

        for (var offset = 0; offset < length; offset += 16)
        {
            var x = Vector128.LoadUnsafe(ref source, (nuint)offset) ^ t;
            x = encrypt
                ? AesNiKey.EncryptBlock(x, ref data.Encryption, data.Rounds)
                : AesNiKey.DecryptBlock(x, ref data.Decryption, data.Rounds);
            (x ^ t).StoreUnsafe(ref destination, (nuint)offset);
            t = Double(t);
        }
    }

    /// <summary>
    /// Two 64-aligned lines per iteration; <paramref name="length"/> a multiple of 128. The rounds are written out (10 or
    /// 14): with an inner round loop, the tier-1 code BenchmarkDotNet ended up with ran 2.4x slower on the Cascade Lake
    /// development VM than the same loop in a plain harness (a front-end/layout effect); straight-line rounds were not
    /// sensitive to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LinePairs<TRounds>(AesNiKey data, AesNiKey tweak, ulong address, ref byte source, ref byte destination, int length)
        where TRounds : struct, IAesRounds
    {
        ref var rkData = ref TRounds.Schedule(data);
        ref var rkTweak = ref tweak.Encryption;
        var rounds = data.Rounds;

        // Tweaks run two pairs ahead: the rounds of pair i encrypt the line blocks of pair i + 2, and pair i + 1's tweaks
        // are expanded from blocks finished one iteration earlier, so no iteration waits on its own tweak chain.
        var t = ExpandTweaks(
            AesNiKey.EncryptBlock(LineBlock(address), ref rkTweak, rounds),
            AesNiKey.EncryptBlock(LineBlock(address + 64), ref rkTweak, rounds));
        var line0 = AesNiKey.EncryptBlock(LineBlock(address + 128), ref rkTweak, rounds);
        var line1 = AesNiKey.EncryptBlock(LineBlock(address + 192), ref rkTweak, rounds);
        for (var offset = 0; offset < length; offset += 128)
        {
            var b = Xor(Load(ref Unsafe.Add(ref source, offset)), t);

            // Computed past the end too: harmless, no memory access.
            var ahead = address + (ulong)offset + 256;
            var n0 = LineBlock(ahead) ^ rkTweak;
            var n1 = LineBlock(ahead + 64) ^ rkTweak;
            b.Whiten(rkData);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 1);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 2);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 3);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 4);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 5);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 6);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 7);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 8);
            RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 9);
            if (rounds == 14)
            {
                RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 10);
                RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 11);
                RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 12);
                RoundWithTweaks<TRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 13);
            }

            TRounds.LastRound(ref b, Unsafe.Add(ref rkData, rounds));
            Xor(b, t).Store(ref Unsafe.Add(ref destination, offset));
            t = ExpandTweaks(line0, line1);
            line0 = AesNi.EncryptLast(n0, Unsafe.Add(ref rkTweak, rounds));
            line1 = AesNi.EncryptLast(n1, Unsafe.Add(ref rkTweak, rounds));
        }
    }

    /// <summary>Round <paramref name="r"/> (a constant) of eight data blocks and of two tweak blocks under the tweak key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RoundWithTweaks<TRounds>(ref AesBlocks8 blocks, ref Vector128<byte> tweak0, ref Vector128<byte> tweak1,
        ref Vector128<byte> dataKeys, ref Vector128<byte> tweakKeys, int r)
        where TRounds : struct, IAesRounds
    {
        var kt = Unsafe.Add(ref tweakKeys, r);
        tweak0 = AesNi.Encrypt(tweak0, kt);
        tweak1 = AesNi.Encrypt(tweak1, kt);
        TRounds.Round(ref blocks, Unsafe.Add(ref dataKeys, r));
    }

}
