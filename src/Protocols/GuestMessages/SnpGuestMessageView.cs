namespace SevTio.Protocols.GuestMessages;

/// <summary>A parsed SNP guest message page: the header and the slices the AEAD needs.</summary>
public readonly ref struct SnpGuestMessageView
{
    public SnpGuestMessageView(SnpGuestMessageHeader header, ReadOnlySpan<byte> message)
    {
        Header = header;
        Bytes = message;
    }

    public SnpGuestMessageHeader Header { get; }

    /// <summary>Header plus ciphertext: <c>96 + msg_sz</c> bytes.</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>The 16-byte GCM tag, <c>authtag[0..16]</c>.</summary>
    public ReadOnlySpan<byte> AuthTag => Bytes[..Psp.AesGcmTag.Length];

    /// <summary>Header bytes 48..96, the AEAD associated data.</summary>
    public ReadOnlySpan<byte> AssociatedData => Bytes.Slice(SnpGuestMessageHeader.AssociatedDataOffset, SnpGuestMessageHeader.AssociatedDataLength);

    /// <summary>The <c>msg_sz</c> bytes of ciphertext after the header.</summary>
    public ReadOnlySpan<byte> Ciphertext => Bytes[SnpGuestMessageHeader.Size..];
}
