using System.Security.Cryptography;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// Creates the AES-256-GCM instance for one direction of a session. The platform <see cref="AesGcm"/> stands in until
/// the team's <c>SevTio.Hw.Crypto.AesGcm256</c> engine lands on main; switching is the one line in <see cref="Create"/>.
/// </summary>
internal static class SpdmAead
{
    public const int KeySize = 32;

    public const int NonceSize = 12;

    public const int TagSize = 16;

    public static ISpdmAead Create(ReadOnlySpan<byte> key) => new PlatformAesGcm(key);

    private sealed class PlatformAesGcm : ISpdmAead
    {
        private readonly AesGcm _aes;

        public PlatformAesGcm(ReadOnlySpan<byte> key) => _aes = new AesGcm(key, TagSize);

        public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData) =>
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);

        public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
        {
            try
            {
                _aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                plaintext.Clear();
                return false;
            }
        }

        public void Dispose() => _aes.Dispose();
    }
}
