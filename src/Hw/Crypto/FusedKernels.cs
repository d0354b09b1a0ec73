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
        ref byte source, ref byte destination, int length)
    {
        ref var rkIde = ref ide.Encryption;
        ref var rkData = ref data.Encryption;
        ref var rkTweak = ref tweak.Encryption;
        var ideRounds = ide.Rounds;
        var memoryRounds = data.Rounds;
        var line0 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address), ref rkTweak, memoryRounds);
        var line1 = AesNiKey.EncryptBlock(XexKernels.LineBlock(address + 64), ref rkTweak, memoryRounds);
        for (var offset = 0; offset < length; offset += 128)
        {
            // Wave 1: the IDE keystream of the two lines.
            var k = GcmKernels.CounterBlocks(counter);
            k.Encrypt(ref rkIde, ideRounds);
            counter += Vector128.CreateScalar(8u);

            // Wave 2: plaintext ⊕ tweak through the data key, with the next pair's tweaks alongside.
            var t = XexKernels.ExpandTweaks(line0, line1);
            var b = XexKernels.Xor(XexKernels.Xor(XexKernels.Load(ref Unsafe.Add(ref source, offset)), k), t);
            var next = address + (ulong)offset + 128;
            var n0 = XexKernels.LineBlock(next) ^ rkTweak;
            var n1 = XexKernels.LineBlock(next + 64) ^ rkTweak;
            b.Whiten(rkData);
            for (var r = 1; r < memoryRounds; r++)
            {
                var kt = Unsafe.Add(ref rkTweak, r);
                n0 = AesNi.Encrypt(n0, kt);
                n1 = AesNi.Encrypt(n1, kt);
                b.EncryptRound(Unsafe.Add(ref rkData, r));
            }

            b.EncryptLastRound(Unsafe.Add(ref rkData, memoryRounds));
            line0 = AesNi.EncryptLast(n0, Unsafe.Add(ref rkTweak, memoryRounds));
            line1 = AesNi.EncryptLast(n1, Unsafe.Add(ref rkTweak, memoryRounds));
            XexKernels.Xor(b, t).Store(ref Unsafe.Add(ref destination, offset));
        }
    }

    /// <summary>
    /// DMA read: plaintext = XEX-decrypt(address, source); destination = plaintext ⊕ IDE keystream, absorbed into the GHASH
    /// state <paramref name="y"/>. The memory decryption, the next tweaks and the IDE keystream are independent, so they
    /// share one AES wave; the previous pair's ciphertext is hashed during it.
    /// </summary>
    public static Vector128<ulong> XexDecryptThenCtrEncryptAndHash<TVec, TClmul>(AesNiKey data, AesNiKey tweak, ulong address, AesNiKey ide,
        Vector128<uint> counter, ref byte source, ref byte destination, int length, Vector128<ulong> y, ref Vector128<ulong> powers)
        where TVec : struct
        where TClmul : struct, ICarrylessMultiply<TVec>
    {
        ref var rkIde = ref ide.Encryption;
        ref var rkData = ref data.Decryption;
        ref var rkTweak = ref tweak.Encryption;
        var ideRounds = ide.Rounds;
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

            for (var r = 1; r < memoryRounds; r++)
            {
                var kt = Unsafe.Add(ref rkTweak, r);
                n0 = AesNi.Encrypt(n0, kt);
                n1 = AesNi.Encrypt(n1, kt);
                b.DecryptRound(Unsafe.Add(ref rkData, r));
                k.EncryptRound(Unsafe.Add(ref rkIde, r));
            }

            b.DecryptLastRound(Unsafe.Add(ref rkData, memoryRounds));
            var plaintext = XexKernels.Xor(b, t);
            t = XexKernels.ExpandTweaks(line0, line1);
            line0 = AesNi.EncryptLast(n0, Unsafe.Add(ref rkTweak, memoryRounds));
            line1 = AesNi.EncryptLast(n1, Unsafe.Add(ref rkTweak, memoryRounds));
            for (var r = memoryRounds; r < ideRounds; r++)
            {
                k.EncryptRound(Unsafe.Add(ref rkIde, r));
            }

            k.EncryptLastRound(Unsafe.Add(ref rkIde, ideRounds));
            XexKernels.Xor(plaintext, k).Store(ref Unsafe.Add(ref destination, offset));
        }

        if (length > 0)
        {
            y = GhashClmul.Group<TVec, TClmul>(y, ref Unsafe.Add(ref destination, length - 128), ref powers);
        }

        return y;
    }
}
