using System.Runtime.CompilerServices;

namespace SevTio.Protocols.Psp;

/// <summary>
/// IDE stream id per traffic class TC0..TC7 (<c>ide_stream_id[8]</c>); 0xFF marks an unused TC.
/// A fixed 8-byte value (inline array: no allocation, value equality), convertible to a span from a local.
/// </summary>
[InlineArray(Length)]
public struct IdeStreamIds : IEquatable<IdeStreamIds>
{
    public const int Length = 8;

    /// <summary>Stream id of a traffic class that has no stream (Linux sev-dev-tsm.c).</summary>
    public const byte Unused = 0xFF;

    private byte _element0;

    /// <summary>All eight TCs unused.</summary>
    public static IdeStreamIds AllUnused()
    {
        var value = default(IdeStreamIds);
        ((Span<byte>)value).Fill(Unused);
        return value;
    }

    /// <summary>Copies exactly <see cref="Length"/> bytes.</summary>
    public static IdeStreamIds FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"needs {Length} bytes, got {bytes.Length}", nameof(bytes));
        }

        var value = default(IdeStreamIds);
        bytes.CopyTo(value);
        return value;
    }

    public readonly void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)this).CopyTo(destination);

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    public readonly bool IsZero => !((ReadOnlySpan<byte>)this).ContainsAnyExcept((byte)0);

    public readonly bool Equals(IdeStreamIds other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is IdeStreamIds other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);

    public static bool operator ==(IdeStreamIds left, IdeStreamIds right) => left.Equals(right);

    public static bool operator !=(IdeStreamIds left, IdeStreamIds right) => !left.Equals(right);
}
