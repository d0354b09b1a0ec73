using System.Security.Cryptography;

namespace SevTio.Hw.Tests.Memory;

/// <summary>
/// An independent XEX computation for the memory-encryption tests, written from the construction (IEEE 1619 XTS without
/// ciphertext stealing; tweak per 64-byte line, block j of the line uses T·α^j) with the BCL's AES-ECB and UInt128
/// arithmetic, sharing no code with the model.
/// </summary>
internal static class XexReference
{
    public static byte[] Encrypt(byte[] dataKey, byte[] tweakKey, ulong address, ReadOnlySpan<byte> plaintext)
    {
        using var data = Aes.Create();
        data.Key = dataKey;
        using var tweak = Aes.Create();
        tweak.Key = tweakKey;
        var output = new byte[plaintext.Length];
        for (var offset = 0; offset < plaintext.Length; offset += 16)
        {
            var a = address + (ulong)offset;
            var line = new byte[16];
            BitConverter.TryWriteBytes(line, a & ~63UL); // little-endian host: bytes 0..7 = line address, 8..15 = 0
            var t = ToUInt128(tweak.EncryptEcb(line, PaddingMode.None));
            for (var j = 0; j < (int)((a >> 4) & 3); j++)
            {
                t = MultiplyByAlpha(t);
            }

            var tb = FromUInt128(t);
            var block = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                block[i] = (byte)(plaintext[offset + i] ^ tb[i]);
            }

            var enc = data.EncryptEcb(block, PaddingMode.None);
            for (var i = 0; i < 16; i++)
            {
                output[offset + i] = (byte)(enc[i] ^ tb[i]);
            }
        }

        return output;
    }

    private static UInt128 MultiplyByAlpha(UInt128 t)
    {
        var carry = (t >> 127) != 0;
        t <<= 1;
        return carry ? t ^ 0x87 : t;
    }

    private static UInt128 ToUInt128(byte[] b) =>
        new(BitConverter.ToUInt64(b, 8), BitConverter.ToUInt64(b, 0));

    private static byte[] FromUInt128(UInt128 v)
    {
        var b = new byte[16];
        BitConverter.TryWriteBytes(b.AsSpan(0, 8), (ulong)v);
        BitConverter.TryWriteBytes(b.AsSpan(8, 8), (ulong)(v >> 64));
        return b;
    }
}
