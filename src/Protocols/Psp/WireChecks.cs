using System.Runtime.CompilerServices;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// Checks shared by the SEV-TIO codecs (PSP, guest messages, GHCB, TSM). The AMD interfaces define reserved fields
/// as must-be-zero, so a reserved byte or bit that is set is a malformed message, not something to ignore.
/// </summary>
internal static class WireChecks
{
    public static void ReadZeros(ref WireReader reader, int count, string field)
    {
        var bytes = reader.ReadBytes(count, field);
        if (bytes.ContainsAnyExcept((byte)0))
        {
            reader.Fail(field, $"reserved bytes must be zero ({Convert.ToHexString(bytes)})");
        }
    }

    /// <summary>Reads the u32 length field every SEV-TIO command buffer and output structure starts with.</summary>
    public static void ReadLength(ref WireReader reader, int expected)
    {
        var length = reader.ReadUInt32("length");
        if (length != (uint)expected)
        {
            reader.Fail("length", $"is {length}, this structure is {expected} bytes");
        }
    }

    public static void ReadReservedBits(ref WireReader reader, ulong value, ulong reservedMask, string field)
    {
        if ((value & reservedMask) != 0)
        {
            reader.Fail(field, $"reserved bits set (0x{value & reservedMask:X})");
        }
    }

    /// <summary>Our own encoders write into caller buffers; a short one is a programming error, not a peer's fault.</summary>
    public static void RequireDestination(Span<byte> destination, int size, [CallerArgumentExpression(nameof(destination))] string? name = null)
    {
        if (destination.Length < size)
        {
            ThrowDestinationTooSmall(name, destination.Length, size);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationTooSmall(string? name, int actual, int size) =>
        throw new ArgumentException($"destination is {actual} bytes, needs {size}", name);
}
