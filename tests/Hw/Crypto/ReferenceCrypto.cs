using System.Security.Cryptography;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>
/// Independent references written from the specifications, sharing no code with SevTio.Hw.Crypto:
/// GF(2^128) multiplication bit by bit (NIST SP 800-38D §6.3, Algorithm 1) and XEX memory encryption on the BCL's AES-ECB.
/// </summary>
internal static class ReferenceCrypto
{
    private static readonly UInt128 R = (UInt128)0xE1 << 120;

    /// <summary>X·Y in GCM's field, blocks as 16 bytes (bit 0 = MSB of byte 0 = coefficient of x^0).</summary>
    public static byte[] GfMultiply(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var xv = ToUInt128(x);
        var v = ToUInt128(y);
        UInt128 z = 0;
        for (var i = 0; i < 128; i++)
        {
            if (((xv >> (127 - i)) & 1) != 0)
            {
                z ^= v;
            }

            v = (v & 1) != 0 ? (v >> 1) ^ R : v >> 1;
        }

        return FromUInt128(z);
    }

    /// <summary>GHASH_H over whole blocks, starting from <paramref name="y"/> (SP 800-38D Algorithm 2).</summary>
    public static byte[] Ghash(ReadOnlySpan<byte> h, ReadOnlySpan<byte> blocks, byte[]? y = null)
    {
        var state = y is null ? new byte[16] : (byte[])y.Clone();
        for (var offset = 0; offset < blocks.Length; offset += 16)
        {
            for (var i = 0; i < 16; i++)
            {
                state[i] ^= blocks[offset + i];
            }

            state = GfMultiply(state, h);
        }

        return state;
    }

    /// <summary>
    /// XEX as documented on MemoryEncryptionKey: T = E_tweak(line address, 128-bit LE) ⊗ α^j, C = E_data(P ⊕ T) ⊕ T,
    /// with α-doubling done byte by byte as IEEE 1619 §5.2 describes it.
    /// </summary>
    public static byte[] Xex(byte[] dataKey, byte[] tweakKey, ulong address, ReadOnlySpan<byte> input, bool encrypt)
    {
        using var data = Aes.Create();
        data.Key = dataKey;
        using var tweak = Aes.Create();
        tweak.Key = tweakKey;
        var output = new byte[input.Length];
        for (var offset = 0; offset < input.Length; offset += 16)
        {
            var a = address + (ulong)offset;
            var line = new byte[16];
            BitConverter.TryWriteBytes(line, a & ~63UL);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(line, 0, 8);
            }

            var t = tweak.EncryptEcb(line, PaddingMode.None);
            for (var j = 0; j < (int)((a >> 4) & 3); j++)
            {
                t = MultiplyByAlpha(t);
            }

            var block = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                block[i] = (byte)(input[offset + i] ^ t[i]);
            }

            block = encrypt ? data.EncryptEcb(block, PaddingMode.None) : data.DecryptEcb(block, PaddingMode.None);
            for (var i = 0; i < 16; i++)
            {
                output[offset + i] = (byte)(block[i] ^ t[i]);
            }
        }

        return output;
    }

    /// <summary>IEEE 1619-2007 §5.2: shift the 16-byte little-endian value left by one bit; a carry out of byte 15 XORs 0x87 into byte 0.</summary>
    public static byte[] MultiplyByAlpha(byte[] t)
    {
        var result = new byte[16];
        var carry = 0;
        for (var k = 0; k < 16; k++)
        {
            result[k] = (byte)((t[k] << 1) | carry);
            carry = t[k] >> 7;
        }

        if (carry != 0)
        {
            result[0] ^= 0x87;
        }

        return result;
    }

    /// <summary>Seal with the BCL AES-GCM, the differential reference.</summary>
    public static (byte[] Ciphertext, byte[] Tag) BclSeal(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad, int tagSize)
    {
        using var gcm = new AesGcm(key, tagSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[tagSize];
        gcm.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        return (ciphertext, tag);
    }

    private static UInt128 ToUInt128(ReadOnlySpan<byte> b)
    {
        UInt128 v = 0;
        for (var i = 0; i < 16; i++)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    private static byte[] FromUInt128(UInt128 v)
    {
        var b = new byte[16];
        for (var i = 15; i >= 0; i--)
        {
            b[i] = (byte)v;
            v >>= 8;
        }

        return b;
    }
}
