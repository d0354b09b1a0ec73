namespace SevTio.Protocols.GuestMessages;

/// <summary>A TIO_MSG_* payload (the plaintext inside an SNP guest message).</summary>
public interface ITioGuestMessage<TSelf>
    where TSelf : struct, ITioGuestMessage<TSelf>
{
    static abstract SnpGuestMessageType MessageType { get; }

    /// <summary>Payload bytes (<c>msg_sz</c>), the same for every version.</summary>
    static abstract int EncodedSize { get; }

    /// <summary>Writes the payload in the given version's layout; returns <see cref="EncodedSize"/>.</summary>
    int Encode(Span<byte> destination, TioMessageVersion version);

    /// <summary>Parses exactly <see cref="EncodedSize"/> bytes; throws <see cref="Wire.ProtocolFormatException"/> naming the field.</summary>
    static abstract TSelf Decode(ReadOnlySpan<byte> source, TioMessageVersion version);
}
