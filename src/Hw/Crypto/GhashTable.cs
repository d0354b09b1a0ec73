using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Crypto;

/// <summary>
/// Portable GHASH (NIST SP 800-38D §6.4, Algorithm 2) with Shoup's 4-bit tables, after mbed TLS <c>gcm.c</c>:
/// 16 multiples of H per key, 32 table steps per block. Used by the Platform backend, and it is the scalar
/// reference the carry-less-multiply kernels are tested against.
/// </summary>
/// <remarks>
/// A field element Y is held as two big-endian halves, <c>hi</c> = bytes 0..7 and <c>lo</c> = bytes 8..15 of the
/// block. That is also the 128-bit integer the PCLMULQDQ kernels hold after byte reflection (element 0 = lo), so a
/// GHASH state can move between the two implementations unchanged. Table lookups depend on data; that matters for
/// side channels on real silicon, not in a simulator.
/// </remarks>
internal sealed class GhashTable
{
    // Reduction of the 4 bits shifted out at the low end (x^124..x^127 in GCM's reflected order), pre-shifted by 48.
    private static ReadOnlySpan<ushort> Last4 =>
    [
        0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
        0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0,
    ];

    private readonly ulong[] _hh = new ulong[16];
    private readonly ulong[] _hl = new ulong[16];

    /// <param name="h">The hash subkey H = E_K(0^128), 16 bytes.</param>
    public GhashTable(ReadOnlySpan<byte> h)
    {
        var vh = BinaryPrimitives.ReadUInt64BigEndian(h);
        var vl = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);

        // Entry i holds i·H for the 4-bit polynomial i read in GCM bit order: entry 8 is H, 4 is H·x, 2 is H·x², 1 is H·x³.
        _hh[8] = vh;
        _hl[8] = vl;
        for (var i = 4; i > 0; i >>= 1)
        {
            var carry = (vl & 1) * 0xe1000000UL;
            vl = (vh << 63) | (vl >> 1);
            vh = (vh >> 1) ^ (carry << 32);
            _hh[i] = vh;
            _hl[i] = vl;
        }

        for (var i = 2; i <= 8; i *= 2)
        {
            vh = _hh[i];
            vl = _hl[i];
            for (var j = 1; j < i; j++)
            {
                _hh[i + j] = vh ^ _hh[j];
                _hl[i + j] = vl ^ _hl[j];
            }
        }
    }

    /// <summary>Y ← (Y ⊕ X)·H for each 16-byte block X of <paramref name="blocks"/> (length a multiple of 16).</summary>
    public void Update(ref ulong hi, ref ulong lo, ReadOnlySpan<byte> blocks)
    {
        for (var offset = 0; offset + 16 <= blocks.Length; offset += 16)
        {
            var block = blocks.Slice(offset, 16);
            MultiplyH(ref hi, ref lo, hi ^ BinaryPrimitives.ReadUInt64BigEndian(block), lo ^ BinaryPrimitives.ReadUInt64BigEndian(block[8..]));
        }
    }

    /// <summary>Y ← (Y ⊕ X)·H for one block given as big-endian halves.</summary>
    public void UpdateBlock(ref ulong hi, ref ulong lo, ulong blockHi, ulong blockLo) =>
        MultiplyH(ref hi, ref lo, hi ^ blockHi, lo ^ blockLo);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MultiplyH(ref ulong hi, ref ulong lo, ulong xh, ulong xl)
    {
        var hh = _hh;
        var hl = _hl;
        var last4 = Last4;

        // Horner over the 32 nibbles from the last (x^124..x^127) to the first: Z ← Z·x^4 ⊕ nibble·H.
        var nibble = (int)(xl & 0xf);
        var zh = hh[nibble];
        var zl = hl[nibble];
        for (var i = 15; i >= 0; i--)
        {
            var b = (int)((i >= 8 ? xl >> ((15 - i) * 8) : xh >> ((7 - i) * 8)) & 0xff);
            int rem;
            if (i != 15)
            {
                rem = (int)(zl & 0xf);
                zl = (zh << 60) | (zl >> 4);
                zh = (zh >> 4) ^ ((ulong)last4[rem] << 48);
                zh ^= hh[b & 0xf];
                zl ^= hl[b & 0xf];
            }

            rem = (int)(zl & 0xf);
            zl = (zh << 60) | (zl >> 4);
            zh = (zh >> 4) ^ ((ulong)last4[rem] << 48);
            zh ^= hh[b >> 4];
            zl ^= hl[b >> 4];
        }

        hi = zh;
        lo = zl;
    }
}
