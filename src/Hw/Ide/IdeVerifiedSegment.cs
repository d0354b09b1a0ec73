using System.Buffers.Binary;
using SevTio.Hw.Crypto;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// One TLP of a MAC-verified IDE unit, handed to the consumer before decryption so the root port can decrypt straight
/// into the destination page in one pass: the nonce (32 zero bits ‖ invocation counter), the offset of this TLP's
/// payload within the unit's concatenated P, and the sub-stream's key context.
/// </summary>
/// <remarks>Valid only during the <see cref="IIdeReceiveSink.OnVerified"/> call (the key context may be destroyed later).</remarks>
public readonly struct IdeVerifiedSegment
{
    internal IdeVerifiedSegment(Tlp tlp, AesGcm256 cipher, ulong invocationCounter, long payloadOffset, bool isPlaintext, byte streamId, bool isStored = false)
    {
        IsStored = isStored;
        Tlp = tlp;
        Cipher = cipher;
        InvocationCounter = invocationCounter;
        PayloadOffset = payloadOffset;
        IsPlaintext = isPlaintext;
        StreamId = streamId;
    }

    public Tlp Tlp { get; }

    /// <summary>The receive key context of the TLP's sub-stream and key set.</summary>
    public AesGcm256 Cipher { get; }

    /// <summary>The 64-bit invocation counter of the unit (IV bits 63:0).</summary>
    public ulong InvocationCounter { get; }

    /// <summary>Offset of this TLP's payload within the unit's payload stream (0 for an unaggregated TLP).</summary>
    public long PayloadOffset { get; }

    /// <summary>
    /// True when the receiver already decrypted the payload in place (it does so to check PCRC); the consumer then must
    /// not decrypt again.
    /// </summary>
    public bool IsPlaintext { get; }

    public byte StreamId { get; }

    /// <summary>
    /// True when the receiver already stored the payload where the consumer asked it to (<see cref="IdeStream.ReceiveWrite{TSink}"/>:
    /// MAC check, decryption and memory encryption in one pass); the consumer then only accounts for it. The TLP's
    /// payload is still the ciphertext.
    /// </summary>
    public bool IsStored { get; }

    /// <summary>The TLP's T bit.</summary>
    public bool IsTeeOriginated => Tlp.IsTeeOriginated;

    /// <summary>Writes the 12-byte GCM nonce: 00000000h ‖ counter, big-endian (§6.33.5).</summary>
    public void WriteNonce(Span<byte> nonce) => IdeStream.WriteNonce(InvocationCounter, nonce);

    /// <summary>Decrypts the payload into <paramref name="destination"/> (or copies it, if already plaintext).</summary>
    public void Decrypt(Span<byte> destination)
    {
        var payload = Tlp.Payload;
        if (IsPlaintext)
        {
            payload.CopyTo(destination);
            return;
        }

        Span<byte> nonce = stackalloc byte[AesGcm256.NonceSize];
        WriteNonce(nonce);
        Cipher.ApplyKeystream(nonce, PayloadOffset, payload, destination[..payload.Length]);
    }

    /// <summary>Decrypts the payload in place in the TLP (the simple path).</summary>
    public void DecryptInPlace()
    {
        if (IsPlaintext)
        {
            return;
        }

        var payload = Tlp.Payload;
        Span<byte> nonce = stackalloc byte[AesGcm256.NonceSize];
        WriteNonce(nonce);
        Cipher.ApplyKeystream(nonce, PayloadOffset, payload, payload);
    }

    internal static ulong ReadCounter(ReadOnlySpan<byte> nonce) => BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]);
}
