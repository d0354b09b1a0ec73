using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Crypto;

/// <summary>
/// A 96-bit GCM IV and the counter blocks derived from it (NIST SP 800-38D §7.1): J0 = IV ‖ 0^31 ‖ 1, and payload
/// block b (0-based) is encrypted with inc32^(b+1)(J0), i.e. IV ‖ BE32(b + 2), the low 32 bits wrapping mod 2^32.
/// </summary>
internal readonly struct GcmNonce
{
    public GcmNonce(ReadOnlySpan<byte> nonce)
    {
        Low = BinaryPrimitives.ReadUInt64LittleEndian(nonce);
        High = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);
    }

    /// <summary>IV bytes 0..7, read little-endian (so storing it back little-endian restores the bytes).</summary>
    public ulong Low { get; }

    /// <summary>IV bytes 8..11, read little-endian.</summary>
    public uint High { get; }

    /// <summary>The counter value of J0.</summary>
    public const uint J0Counter = 1;

    /// <summary>The counter value of payload block <paramref name="blockIndex"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint PayloadCounter(long blockIndex) => unchecked((uint)(blockIndex + 2));

    public void WriteCounterBlock(Span<byte> destination, uint counter)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Low);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], High);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], counter);
    }
}
