using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace SevTio.Hw.Crypto;

/// <summary>
/// One-pass kernels of the DMA data path on AES-NI: each loads a pair of cache lines once, runs the link cipher and the
/// memory cipher on them in registers, and stores the result once. Inputs: payload keystream on a block boundary,
/// physical address 64-aligned, length a multiple of 128 (callers split off heads and tails).
/// </summary>
internal static class FusedKernels
{
    /// <summary>DMA write: destination = XEX-encrypt(address, source ⊕ IDE keystream).</summary>
    public static void CtrDecryptThenXexEncrypt(AesNiKey ide, Vector128<uint> counter, AesNiKey data, AesNiKey tweak, ulong address,
        ref byte source, ref byte destination, int length) =>
        CtrDecryptThenXexEncrypt<NoPairHash>(ide, counter, data, tweak, address, ref source, ref destination, length, default, ref Unsafe.NullRef<Vector128<ulong>>());

    /// <summary>
    /// DMA write with the MAC check in the same pass: as <see cref="CtrDecryptThenXexEncrypt(AesNiKey, Vector128{uint}, AesNiKey, AesNiKey, ulong, ref byte, ref byte, int)"/>,
    /// and each line pair of <paramref name="source"/> (the IDE ciphertext, 8 blocks) absorbed into the GHASH state
    /// <paramref name="y"/> while its AES rounds run — the carry-less multiplier and the AES unit work side by side.
    /// </summary>
    public static Vector128<ulong> HashThenCtrDecryptThenXexEncrypt<TVec, TClmul>(AesNiKey ide, Vector128<uint> counter, AesNiKey data, AesNiKey tweak,
        ulong address, ref byte source, ref byte destination, int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec> =>
        CtrDecryptThenXexEncrypt<GroupPairHash<TVec, TClmul>>(ide, counter, data, tweak, address, ref source, ref destination, length, y, ref powers);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<ulong> CtrDecryptThenXexEncrypt<THash>(AesNiKey ide, Vector128<uint> counter, AesNiKey data, AesNiKey tweak, ulong address,
        ref byte source, ref byte destination, int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where THash : struct, IPairHash
    {
        ref var rkIde = ref ide.Encryption;
        ref var rkData = ref data.Encryption;
        ref var rkTweak = ref tweak.Encryption;
        Debug.Assert(ide.Rounds == 14, "IDE keys are AES-256.");
        var memoryRounds = data.Rounds;
        var line0 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address), ref rkTweak, memoryRounds);
        var line1 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address + 64), ref rkTweak, memoryRounds);
        for (var offset = 0; offset < length; offset += 128)
        {
            // Wave 1: the IDE keystream of the two lines (AES-256, rounds written out).
            var k = GcmKernels.CounterBlocks(counter);
            k.EncryptAes256(ref rkIde);
            counter += Vector128.CreateScalar(8u);

            // The pair's ciphertext into GHASH (independent of the AES rounds around it; nothing for the plain write).
            y = THash.Absorb(y, ref Unsafe.Add(ref source, offset), ref powers);

            // Wave 2: plaintext ⊕ tweak through the data key, with the next pair's tweaks alongside.
            var t = XexKernels.ExpandTweaks(line0, line1);
            var b = XexKernels.Xor(XexKernels.Xor(XexKernels.Load(ref Unsafe.Add(ref source, offset)), k), t);
            var next = address + (ulong)offset + 128;
            var n0 = XexKernels.LineBlock(next) ^ rkTweak;
            var n1 = XexKernels.LineBlock(next + 64) ^ rkTweak;
            b.Whiten(rkData);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 1);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 2);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 3);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 4);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 5);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 6);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 7);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 8);
            XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 9);
            if (memoryRounds == 14)
            {
                XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 10);
                XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 11);
                XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 12);
                XexKernels.RoundWithTweaks<EncryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, 13);
            }

            b.EncryptLastRound(Unsafe.Add(ref rkData, memoryRounds));
            line0 = AesNi.EncryptLast(n0, Unsafe.Add(ref rkTweak, memoryRounds));
            line1 = AesNi.EncryptLast(n1, Unsafe.Add(ref rkTweak, memoryRounds));
            XexKernels.Xor(b, t).Store(ref Unsafe.Add(ref destination, offset));
        }

        return y;
    }

    /// <summary>
    /// DMA read: plaintext = XEX-decrypt(address, source); destination = plaintext ⊕ IDE keystream, absorbed into the GHASH
    /// state <paramref name="y"/>. The memory decryption, the next tweaks and the IDE keystream are independent, so they
    /// share one AES wave; the previous pair's ciphertext is hashed during it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Vector128<ulong> XexDecryptThenCtrEncryptAndHash<TVec, TClmul>(AesNiKey data, AesNiKey tweak, ulong address, AesNiKey ide,
        Vector128<uint> counter, ref byte source, ref byte destination, int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        ref var rkIde = ref ide.Encryption;
        ref var rkData = ref data.Decryption;
        ref var rkTweak = ref tweak.Encryption;
        Debug.Assert(ide.Rounds == 14, "IDE keys are AES-256.");
        var memoryRounds = data.Rounds;
        // Tweaks two pairs ahead, as in XexKernels: this iteration's rounds encrypt the line blocks of pair i + 2.
        var t = XexKernels.ExpandTweaks(
            AesNiKey.EncryptBlock(XexKernels.LineBlock(address), ref rkTweak, memoryRounds),
            AesNiKey.EncryptBlock(XexKernels.LineBlock(address + 64), ref rkTweak, memoryRounds));
        var line0 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address + 128), ref rkTweak, memoryRounds);
        var line1 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address + 192), ref rkTweak, memoryRounds);
        for (var offset = 0; offset < length; offset += 128)
        {
            var b = XexKernels.Xor(XexKernels.Load(ref Unsafe.Add(ref source, offset)), t);
            var k = GcmKernels.CounterBlocks(counter);
            counter += Vector128.CreateScalar(8u);
            var ahead = address + (ulong)offset + 256;
            var n0 = XexKernels.LineBlock(ahead) ^ rkTweak;
            var n1 = XexKernels.LineBlock(ahead + 64) ^ rkTweak;
            b.Whiten(rkData);
            k.Whiten(rkIde);
            if (offset > 0)
            {
                y = GhashClmul.Group<TVec, TClmul>(y, ref Unsafe.Add(ref destination, offset - 128), ref powers);
            }

            // A rounds loop here, not written-out rounds: with 18 blocks in flight the unrolled form spilled heavily.
            for (var r = 1; r < memoryRounds; r++)
            {
                XexKernels.RoundWithTweaks<DecryptRounds>(ref b, ref n0, ref n1, ref rkData, ref rkTweak, r);
                k.EncryptRound(Unsafe.Add(ref rkIde, r));
            }

            b.DecryptLastRound(Unsafe.Add(ref rkData, memoryRounds));
            var plaintext = XexKernels.Xor(b, t);
            t = XexKernels.ExpandTweaks(line0, line1);
            line0 = AesNi.EncryptLast(n0, Unsafe.Add(ref rkTweak, memoryRounds));
            line1 = AesNi.EncryptLast(n1, Unsafe.Add(ref rkTweak, memoryRounds));
            for (var r = memoryRounds; r < 14; r++)
            {
                k.EncryptRound(Unsafe.Add(ref rkIde, r));
            }

            k.EncryptLastRound(Unsafe.Add(ref rkIde, 14));
            XexKernels.Xor(plaintext, k).Store(ref Unsafe.Add(ref destination, offset));
        }

        if (length > 0)
        {
            y = GhashClmul.Group<TVec, TClmul>(y, ref Unsafe.Add(ref destination, length - 128), ref powers);
        }

        return y;
    }

    /// <summary>What a write kernel does with each line pair of its IDE ciphertext (a type argument, so each shape compiles on its own).</summary>
    private interface IPairHash
    {
        static abstract Vector128<ulong> Absorb(Vector128<ulong> y, ref byte pair, ref Vector128<ulong> powers);
    }

    /// <summary>No MAC in the pass (the caller verified the unit first).</summary>
    private readonly struct NoPairHash : IPairHash
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<ulong> Absorb(Vector128<ulong> y, ref byte pair, ref Vector128<ulong> powers) => y;
    }

    /// <summary>The pair's 8 blocks as one aggregated GHASH group.</summary>
    private readonly struct GroupPairHash<TVec, TClmul> : IPairHash
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<ulong> Absorb(Vector128<ulong> y, ref byte pair, ref Vector128<ulong> powers) =>
            GhashClmul.Group<TVec, TClmul>(y, ref pair, ref powers);
    }
}
