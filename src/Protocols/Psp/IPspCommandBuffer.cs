namespace SevTio.Protocols.Psp;

/// <summary>
/// A SEV-TIO command buffer: a packed structure that starts with its own u32 length, which the host passes to the
/// PSP mailbox by physical address. <see cref="Decode"/> reads exactly <see cref="EncodedSize"/> bytes and ignores
/// anything after them (the host's saved-command image pads to 128 bytes with 0xFF).
/// </summary>
public interface IPspCommandBuffer<TSelf>
    where TSelf : struct, IPspCommandBuffer<TSelf>
{
    static abstract PspCommandId CommandId { get; }

    /// <summary>Bytes of the buffer, the value of its <c>length</c> field.</summary>
    static abstract int EncodedSize { get; }

    /// <summary>Writes the buffer (length field included); returns <see cref="EncodedSize"/>.</summary>
    int Encode(Span<byte> destination);

    /// <summary>Parses a buffer; throws <see cref="Wire.ProtocolFormatException"/> naming the field at fault.</summary>
    static abstract TSelf Decode(ReadOnlySpan<byte> source);
}
