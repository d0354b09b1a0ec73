using System.Security.Cryptography;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>HKDF-SHA384 written from RFC 5869 §2.2–2.3 with HMAC only: the reference the key schedule is checked against.</summary>
internal static class Rfc5869
{
    public static byte[] Extract(byte[] salt, byte[] ikm) => HMACSHA384.HashData(salt, ikm);

    public static byte[] Expand(byte[] prk, byte[] info, int length)
    {
        var output = new List<byte>();
        byte[] t = [];
        for (byte i = 1; output.Count < length; i++)
        {
            byte[] block = [.. t, .. info, i];
            t = HMACSHA384.HashData(prk, block);
            output.AddRange(t);
        }

        return [.. output.Take(length)];
    }

    /// <summary>DSP0274 1.2 BinConcat: Length (u16 little-endian) ‖ "spdm1.2 " ‖ label ‖ context.</summary>
    public static byte[] BinConcat(int length, string label, byte[] context) =>
        [(byte)length, (byte)(length >> 8), .. "spdm1.2 "u8, .. System.Text.Encoding.ASCII.GetBytes(label), .. context];
}
