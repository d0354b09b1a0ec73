using System.Diagnostics.CodeAnalysis;

namespace SevTio.Hw.Crypto;

/// <summary>Argument checks shared by the crypto engines; the throws live here so the hot methods stay small.</summary>
internal static class CryptoArgument
{
    /// <summary>
    /// An output may be the very same memory as its input (in place) or disjoint from it; a partial overlap would
    /// read bytes that were already overwritten, so it is refused.
    /// </summary>
    public static void CheckInPlaceOrDisjoint(ReadOnlySpan<byte> input, ReadOnlySpan<byte> output, string outputName)
    {
        if (input.Overlaps(output, out var offset) && offset != 0)
        {
            ThrowPartialOverlap(outputName);
        }
    }

    public static void CheckSameLength(int inputLength, int outputLength, string outputName)
    {
        if (inputLength != outputLength)
        {
            ThrowLengthMismatch(outputName, inputLength, outputLength);
        }
    }

    public static void CheckNonce(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != AesGcm256.NonceSize)
        {
            ThrowNonce(nonce.Length);
        }
    }

    public static void CheckTag(int tagLength)
    {
        if (tagLength < AesGcm256.MinTagSize || tagLength > AesGcm256.MaxTagSize)
        {
            ThrowTag(tagLength);
        }
    }

    [DoesNotReturn]
    public static void ThrowPartialOverlap(string name) =>
        throw new ArgumentException("The output overlaps the input without being the same memory (only exact in-place operation is allowed).", name);

    [DoesNotReturn]
    public static void ThrowLengthMismatch(string name, int expected, int actual) =>
        throw new ArgumentException($"Expected {expected} bytes, got {actual}.", name);

    [DoesNotReturn]
    public static void ThrowNonce(int length) =>
        throw new ArgumentException($"The GCM nonce must be {AesGcm256.NonceSize} bytes (96-bit IV), got {length}.", "nonce");

    [DoesNotReturn]
    public static void ThrowTag(int length) =>
        throw new ArgumentException($"The tag must be {AesGcm256.MinTagSize} to {AesGcm256.MaxTagSize} bytes, got {length}.", "tag");

    [DoesNotReturn]
    public static void ThrowKey(string name, string expected, int length) =>
        throw new ArgumentException($"The key must be {expected} bytes, got {length}.", name);

    [DoesNotReturn]
    public static void ThrowPayloadLimit(string name) =>
        throw new ArgumentOutOfRangeException(name, $"A GCM payload may not exceed {GcmLimits.MaxPayloadBytes} bytes (2^39 - 256 bits, NIST SP 800-38D §5.2.1.1).");

    [DoesNotReturn]
    public static void ThrowNegative(string name) =>
        throw new ArgumentOutOfRangeException(name, "Must not be negative.");

    [DoesNotReturn]
    public static void ThrowAlignment(string name, string reason) =>
        throw new ArgumentException(reason, name);

    [DoesNotReturn]
    public static void ThrowDisposed(string typeName) =>
        throw new ObjectDisposedException(typeName);

    [DoesNotReturn]
    public static void ThrowStreamState(string message) =>
        throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowIntrinsicsUnsupported() =>
        throw new PlatformNotSupportedException("The Intrinsics crypto backend needs AES-NI, PCLMULQDQ, SSSE3 and SSE4.1 (see AesGcm256.IsHardwareAccelerated).");
}

/// <summary>Size limits of GCM (NIST SP 800-38D §5.2.1.1).</summary>
internal static class GcmLimits
{
    /// <summary>len(P) ≤ 2^39 − 256 bits: the 32-bit block counter starting at inc32(J0) must not wrap.</summary>
    public const long MaxPayloadBytes = (1L << 36) - 32;

    /// <summary>len(A) ≤ 2^64 − 1 bits; we count bytes in a long, so the practical bound is the long range divided by 8.</summary>
    public const long MaxAssociatedDataBytes = long.MaxValue / 8;
}
