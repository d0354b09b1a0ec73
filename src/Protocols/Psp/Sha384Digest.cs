using System.Runtime.CompilerServices;

namespace SevTio.Protocols.Psp;

/// <summary>
/// SHA-384 digest as SEV-TIO reports it (certificates, measurements, interface report: TDI_INFO, TIO_MSG_TDI_INFO_RSP, tsm_tdi_status).
/// A fixed 48-byte value (inline array: no allocation, value equality), convertible to a span from a local.
/// </summary>
[InlineArray(Length)]
public struct Sha384Digest : IEquatable<Sha384Digest>
{
    public const int Length = 48;

    private byte _element0;

    /// <summary>Copies exactly <see cref="Length"/> bytes.</summary>
    public static Sha384Digest FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"needs {Length} bytes, got {bytes.Length}", nameof(bytes));
        }

        var value = default(Sha384Digest);
        bytes.CopyTo(value);
        return value;
    }

    public readonly void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)this).CopyTo(destination);

    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    public readonly bool IsZero => !((ReadOnlySpan<byte>)this).ContainsAnyExcept((byte)0);

    public readonly bool Equals(Sha384Digest other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is Sha384Digest other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public override readonly string ToString() => Convert.ToHexStringLower(this);

    public static bool operator ==(Sha384Digest left, Sha384Digest right) => left.Equals(right);

    public static bool operator !=(Sha384Digest left, Sha384Digest right) => !left.Equals(right);
}
