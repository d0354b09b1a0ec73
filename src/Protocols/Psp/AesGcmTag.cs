using System.Runtime.CompilerServices;

namespace SevTio.Protocols.Psp;

/// <summary>
/// A 16-byte AES-GCM authentication tag (SLA buffer <c>authtag[16]</c>; the tag inside the SNP guest message header).
/// A fixed 16-byte value (inline array: no allocation, value equality), convertible to a span from a local.
/// </summary>
[InlineArray(Length)]
public struct AesGcmTag : IEquatable<AesGcmTag>
{
    public const int Length = 16;

    private byte _element0;

    /// <summary>Copies exactly <see cref="Length"/> bytes.</summary>
    public static AesGcmTag FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"needs {Length} bytes, got {bytes.Length}", nameof(bytes));
        }

        var value = default(AesGcmTag);
        bytes.CopyTo(value);
        return value;
    }

    public readonly void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)this).CopyTo(destination);

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    public readonly bool IsZero => !((ReadOnlySpan<byte>)this).ContainsAnyExcept((byte)0);

    public readonly bool Equals(AesGcmTag other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is AesGcmTag other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);

    public static bool operator ==(AesGcmTag left, AesGcmTag right) => left.Equals(right);

    public static bool operator !=(AesGcmTag left, AesGcmTag right) => !left.Equals(right);
}
