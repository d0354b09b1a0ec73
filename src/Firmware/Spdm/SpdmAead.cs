using SevTio.Hw.Crypto;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// Creates the AES-256-GCM instance for one direction of a session: the team's <see cref="AesGcm256"/> engine with
/// 16-byte tags (DSP0277 over DOE). The seam is kept so a test or a timing-only mode can substitute another engine.
/// </summary>
internal static class SpdmAead
{
    public const int KeySize = 32;

    public const int NonceSize = 12;

    public const int TagSize = 16;

    public static ISpdmAead Create(ReadOnlySpan<byte> key) => new EngineAesGcm(key);

    private sealed class EngineAesGcm(ReadOnlySpan<byte> key) : ISpdmAead
    {
        private readonly AesGcm256 _aes = new(key);

        public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData) =>
            _aes.Seal(nonce, plaintext, ciphertext, tag, associatedData);

        public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
        {
            if (_aes.Open(nonce, ciphertext, tag, plaintext, associatedData))
            {
                return true;
            }

            plaintext.Clear();
            return false;
        }

        public void Dispose() => _aes.Dispose();
    }
}
