using System.Runtime.CompilerServices;

namespace SevTio.Protocols.Psp;

/// <summary>
/// The 32-byte nonce of TIO_DEV_MEASUREMENTS (<c>meas_nonce</c>), for measurement freshness.
/// A fixed 32-byte value (inline array: no allocation, value equality), convertible to a span from a local.
/// </summary>
[InlineArray(Length)]
public struct MeasurementNonce : IEquatable<MeasurementNonce>
{
    public const int Length = 32;

    private byte _element0;

    /// <summary>Copies exactly <see cref="Length"/> bytes.</summary>
    public static MeasurementNonce FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"needs {Length} bytes, got {bytes.Length}", nameof(bytes));
        }

        var value = default(MeasurementNonce);
        bytes.CopyTo(value);
        return value;
    }

    public readonly void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)this).CopyTo(destination);

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    public readonly bool IsZero => !((ReadOnlySpan<byte>)this).ContainsAnyExcept((byte)0);

    public readonly bool Equals(MeasurementNonce other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is MeasurementNonce other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);

    public static bool operator ==(MeasurementNonce left, MeasurementNonce right) => left.Equals(right);

    public static bool operator !=(MeasurementNonce left, MeasurementNonce right) => !left.Equals(right);
}
