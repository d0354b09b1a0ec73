using System.Buffers.Binary;
using System.Security.Cryptography;
using SevTio.Firmware.Spdm;

namespace SevTio.Security.Tests.Fuzzing.Stateful.Support;

/// <summary>
/// A device's end of one direction of a secured session, written independently of the model's code: the key and IV from
/// the direction secret (DSP0277 key schedule), AES-256-GCM from <see cref="AesGcm"/>, nonce = IV with the sequence
/// number XORed little-endian into bytes 0-7, AAD = SessionID ‖ Length. It seals any plaintext, so a malicious device's
/// authentic records can carry garbage (a wrong ApplicationDataLength, a message of the wrong kind).
/// </summary>
internal sealed class DeviceSealer(byte[] secret) : IDisposable
{
    private readonly AesGcm _aes = new(SpdmKeySchedule.DeriveKey(secret), 16);
    private readonly byte[] _iv = SpdmKeySchedule.DeriveIv(secret);

    public ulong Sequence { get; set; }

    /// <summary>A record carrying one SPDM message (ApplicationDataLength, the message, <paramref name="padding"/> random-ish bytes).</summary>
    public byte[] Seal(uint sessionId, ReadOnlySpan<byte> message, int padding = 0)
    {
        var plaintext = new byte[2 + message.Length + padding];
        BinaryPrimitives.WriteUInt16LittleEndian(plaintext, (ushort)message.Length);
        message.CopyTo(plaintext.AsSpan(2));
        for (var i = 0; i < padding; i++)
        {
            plaintext[2 + message.Length + i] = (byte)(0x5A ^ i);
        }

        return SealPlaintext(sessionId, plaintext);
    }

    /// <summary>A record around an arbitrary plaintext.</summary>
    public byte[] SealPlaintext(uint sessionId, ReadOnlySpan<byte> plaintext)
    {
        var record = new byte[6 + plaintext.Length + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(record, sessionId);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(4), (ushort)(plaintext.Length + 16));
        Span<byte> nonce = stackalloc byte[12];
        _iv.CopyTo(nonce);
        for (var i = 0; i < 8; i++)
        {
            nonce[i] ^= (byte)(Sequence >> (8 * i));
        }

        _aes.Encrypt(nonce, plaintext, record.AsSpan(6, plaintext.Length), record.AsSpan(6 + plaintext.Length, 16), record.AsSpan(0, 6));
        Sequence++;
        return record;
    }

    public void Dispose() => _aes.Dispose();
}
