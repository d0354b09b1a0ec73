namespace SevTio.Firmware.Spdm;

/// <summary>
/// The AEAD seam of secured SPDM (AES-256-GCM with 16-byte tags, DSP0277). Firmware code only sees this; which
/// engine does the work is decided in <see cref="SpdmAead.Create"/>.
/// </summary>
internal interface ISpdmAead : IDisposable
{
    void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData);

    bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData);
}
