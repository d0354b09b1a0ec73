namespace SevTio.Protocols.GuestMessages;

/// <summary><c>algo</c> of an SNP guest message header (<c>enum aead_algo</c>).</summary>
public enum SnpAeadAlgorithm : byte
{
    Invalid = 0,
    Aes256Gcm = 1,
}
