using System.Runtime.CompilerServices;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// The 512-bit sDTE image a guest sends in TIO_MSG_SDTE_WRITE_REQ (seed <c>struct sdte</c>), carried opaque here; the IOMMU model owns its field layout.
/// A fixed 64-byte value (inline array: no allocation, value equality), convertible to a span from a local.
/// </summary>
[InlineArray(Length)]
public struct SecureDeviceTableEntryImage : IEquatable<SecureDeviceTableEntryImage>
{
    public const int Length = 64;

    private byte _element0;

    /// <summary>Copies exactly <see cref="Length"/> bytes.</summary>
    public static SecureDeviceTableEntryImage FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"needs {Length} bytes, got {bytes.Length}", nameof(bytes));
        }

        var value = default(SecureDeviceTableEntryImage);
        bytes.CopyTo(value);
        return value;
    }

    public readonly void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)this).CopyTo(destination);

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    public readonly bool IsZero => !((ReadOnlySpan<byte>)this).ContainsAnyExcept((byte)0);

    public readonly bool Equals(SecureDeviceTableEntryImage other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is SecureDeviceTableEntryImage other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);

    public static bool operator ==(SecureDeviceTableEntryImage left, SecureDeviceTableEntryImage right) => left.Equals(right);

    public static bool operator !=(SecureDeviceTableEntryImage left, SecureDeviceTableEntryImage right) => !left.Equals(right);
}
