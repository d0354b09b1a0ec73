using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// One direction of a secured session (DSP0277): AES-256-GCM under the direction's key, nonce = IV with the 64-bit
/// sequence number XORed little-endian into bytes 0..7 (DSP0277 §4.2.3, the libspdm default), AAD = SessionID ‖
/// Length. The sequence number advances only when a record seals or opens successfully, so a replayed, reordered or
/// forged record fails the tag check and leaves the counter where it was.
/// </summary>
internal sealed class SpdmSecuredDirection : IDisposable
{
    private readonly ISpdmAead _aead;
    private readonly byte[] _iv;
    private ulong _sequenceNumber;

    public SpdmSecuredDirection(ReadOnlySpan<byte> secret)
    {
        _aead = SpdmAead.Create(SpdmKeySchedule.DeriveKey(secret));
        _iv = SpdmKeySchedule.DeriveIv(secret);
    }

    public ulong SequenceNumber => _sequenceNumber;

    public byte[] Seal(uint sessionId, ReadOnlySpan<byte> applicationData)
    {
        var plainLength = SecuredMessagePlaintext.LengthFor(applicationData.Length);
        var record = new byte[SecuredMessageRecord.HeaderSize + plainLength + SecuredMessageRecord.MacSize];
        SecuredMessageRecord.WriteHeader(record, sessionId, plainLength);
        Span<byte> plaintext = plainLength <= 512 ? stackalloc byte[plainLength] : new byte[plainLength];
        SecuredMessagePlaintext.Write(plaintext, applicationData);
        Span<byte> nonce = stackalloc byte[SpdmAead.NonceSize];
        MakeNonce(nonce);
        _aead.Seal(
            nonce,
            plaintext,
            record.AsSpan(SecuredMessageRecord.HeaderSize, plainLength),
            record.AsSpan(SecuredMessageRecord.HeaderSize + plainLength, SecuredMessageRecord.MacSize),
            record.AsSpan(0, SecuredMessageRecord.HeaderSize));
        plaintext.Clear();
        _sequenceNumber++;
        return record;
    }

    /// <summary>Decrypts a record; on success returns the application data (one SPDM message).</summary>
    public bool TryOpen(SecuredMessageRecord record, out byte[] applicationData)
    {
        var plaintext = new byte[record.CipherText.Length];
        Span<byte> nonce = stackalloc byte[SpdmAead.NonceSize];
        MakeNonce(nonce);
        if (!_aead.Open(nonce, record.CipherText, record.Mac, plaintext, record.AssociatedData))
        {
            applicationData = [];
            return false;
        }

        try
        {
            applicationData = SecuredMessagePlaintext.Read(plaintext).ToArray();
        }
        catch (SevTio.Protocols.Wire.ProtocolFormatException)
        {
            // An authentic record whose ApplicationDataLength overruns it: a peer bug, not an attack. Treat it as
            // undecodable and do not advance the counter.
            applicationData = [];
            return false;
        }

        _sequenceNumber++;
        return true;
    }

    private void MakeNonce(Span<byte> nonce)
    {
        _iv.CopyTo(nonce);
        var sequence = _sequenceNumber;
        for (var i = 0; i < 8; i++)
        {
            nonce[i] ^= (byte)(sequence >> (8 * i));
        }
    }

    public void Dispose() => _aead.Dispose();
}
