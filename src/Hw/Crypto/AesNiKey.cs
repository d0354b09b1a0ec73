using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AesNi = System.Runtime.Intrinsics.X86.Aes;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace SevTio.Hw.Crypto;

/// <summary>
/// An expanded AES-128 or AES-256 key for AES-NI (FIPS 197 §5.2 key expansion, done with AESKEYGENASSIST as in Gueron's
/// "Intel Advanced Encryption Standard (AES) New Instructions Set" white paper, §4). Optionally also the decryption
/// schedule of the Equivalent Inverse Cipher (FIPS 197 §5.3.5: InvMixColumns of the middle round keys, reversed).
/// </summary>
internal sealed class AesNiKey
{
    private readonly Vector128<byte>[] _encryption;
    private readonly Vector128<byte>[]? _decryption;

    public AesNiKey(ReadOnlySpan<byte> key, bool withDecryption)
    {
        Rounds = key.Length == 32 ? 14 : 10;
        _encryption = new Vector128<byte>[Rounds + 1];
        if (key.Length == 32)
        {
            Expand256(key, _encryption);
        }
        else
        {
            Expand128(key, _encryption);
        }

        if (withDecryption)
        {
            _decryption = new Vector128<byte>[Rounds + 1];
            _decryption[0] = _encryption[Rounds];
            for (var i = 1; i < Rounds; i++)
            {
                _decryption[i] = AesNi.InverseMixColumns(_encryption[Rounds - i]);
            }

            _decryption[Rounds] = _encryption[0];
        }
    }

    /// <summary>10 for AES-128, 14 for AES-256.</summary>
    public int Rounds { get; }

    /// <summary>Round key 0 of the encryption schedule; the others follow contiguously.</summary>
    public ref Vector128<byte> Encryption => ref MemoryMarshal.GetArrayDataReference(_encryption);

    /// <summary>Round key 0 of the decryption schedule (only when built with decryption).</summary>
    public ref Vector128<byte> Decryption => ref MemoryMarshal.GetArrayDataReference(_decryption!);

    public void Clear()
    {
        Array.Clear(_encryption);
        if (_decryption is not null)
        {
            Array.Clear(_decryption);
        }
    }

    /// <summary>E_K(block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> EncryptBlock(Vector128<byte> block, ref Vector128<byte> roundKeys, int rounds)
    {
        block ^= roundKeys;
        for (var r = 1; r < rounds; r++)
        {
            block = AesNi.Encrypt(block, Unsafe.Add(ref roundKeys, r));
        }

        return AesNi.EncryptLast(block, Unsafe.Add(ref roundKeys, rounds));
    }

    /// <summary>D_K(block) with the Equivalent Inverse Cipher schedule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> DecryptBlock(Vector128<byte> block, ref Vector128<byte> roundKeys, int rounds)
    {
        block ^= roundKeys;
        for (var r = 1; r < rounds; r++)
        {
            block = AesNi.Decrypt(block, Unsafe.Add(ref roundKeys, r));
        }

        return AesNi.DecryptLast(block, Unsafe.Add(ref roundKeys, rounds));
    }

    /// <summary>w ⊕= w ≪ 32 ⊕ w ≪ 64 ⊕ w ≪ 96: the running XOR of the previous round key's words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> PrefixXor(Vector128<byte> w)
    {
        w ^= Sse2.ShiftLeftLogical128BitLane(w, 4);
        w ^= Sse2.ShiftLeftLogical128BitLane(w, 4);
        return w ^ Sse2.ShiftLeftLogical128BitLane(w, 4);
    }

    // SubWord(RotWord(w3)) ⊕ Rcon broadcast from AESKEYGENASSIST's dword 3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NextEven(Vector128<byte> previous, Vector128<byte> assist) =>
        PrefixXor(previous) ^ Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();

    // AES-256 odd round keys: SubWord(w3) without rotation or Rcon, from AESKEYGENASSIST's dword 2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NextOdd(Vector128<byte> previous, Vector128<byte> assist) =>
        PrefixXor(previous) ^ Sse2.Shuffle(assist.AsUInt32(), 0xAA).AsByte();

    private static void Expand128(ReadOnlySpan<byte> key, Span<Vector128<byte>> rk)
    {
        // AESKEYGENASSIST takes Rcon as an immediate, hence the unrolled schedule.
        rk[0] = Vector128.Create(key);
        rk[1] = NextEven(rk[0], AesNi.KeygenAssist(rk[0], 0x01));
        rk[2] = NextEven(rk[1], AesNi.KeygenAssist(rk[1], 0x02));
        rk[3] = NextEven(rk[2], AesNi.KeygenAssist(rk[2], 0x04));
        rk[4] = NextEven(rk[3], AesNi.KeygenAssist(rk[3], 0x08));
        rk[5] = NextEven(rk[4], AesNi.KeygenAssist(rk[4], 0x10));
        rk[6] = NextEven(rk[5], AesNi.KeygenAssist(rk[5], 0x20));
        rk[7] = NextEven(rk[6], AesNi.KeygenAssist(rk[6], 0x40));
        rk[8] = NextEven(rk[7], AesNi.KeygenAssist(rk[7], 0x80));
        rk[9] = NextEven(rk[8], AesNi.KeygenAssist(rk[8], 0x1B));
        rk[10] = NextEven(rk[9], AesNi.KeygenAssist(rk[9], 0x36));
    }

    private static void Expand256(ReadOnlySpan<byte> key, Span<Vector128<byte>> rk)
    {
        rk[0] = Vector128.Create(key);
        rk[1] = Vector128.Create(key[16..]);
        rk[2] = NextEven(rk[0], AesNi.KeygenAssist(rk[1], 0x01));
        rk[3] = NextOdd(rk[1], AesNi.KeygenAssist(rk[2], 0x00));
        rk[4] = NextEven(rk[2], AesNi.KeygenAssist(rk[3], 0x02));
        rk[5] = NextOdd(rk[3], AesNi.KeygenAssist(rk[4], 0x00));
        rk[6] = NextEven(rk[4], AesNi.KeygenAssist(rk[5], 0x04));
        rk[7] = NextOdd(rk[5], AesNi.KeygenAssist(rk[6], 0x00));
        rk[8] = NextEven(rk[6], AesNi.KeygenAssist(rk[7], 0x08));
        rk[9] = NextOdd(rk[7], AesNi.KeygenAssist(rk[8], 0x00));
        rk[10] = NextEven(rk[8], AesNi.KeygenAssist(rk[9], 0x10));
        rk[11] = NextOdd(rk[9], AesNi.KeygenAssist(rk[10], 0x00));
        rk[12] = NextEven(rk[10], AesNi.KeygenAssist(rk[11], 0x20));
        rk[13] = NextOdd(rk[11], AesNi.KeygenAssist(rk[12], 0x00));
        rk[14] = NextEven(rk[12], AesNi.KeygenAssist(rk[13], 0x40));
    }
}
