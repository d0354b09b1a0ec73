using System.Security.Cryptography;
using SevTio.Protocols.GuestMessages;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// Builds and opens SNP guest messages as a guest does, with <see cref="AesGcm"/> from the platform (an implementation
/// independent of the PSP's): IV = sequence number little-endian in bytes 0–7, AAD = header bytes 48..96, 16-byte tag in
/// authtag[0..16].
/// </summary>
internal static class GuestMessageCodec
{
    public static byte[] Seal<T>(byte[] vmpck, T request, ulong sequence, TioMessageVersion version = TioMessageVersion.V1, byte vmpckId = 0)
        where T : struct, ITioGuestMessage<T>
    {
        var payload = new byte[T.EncodedSize];
        request.Encode(payload, version);
        return SealRaw(vmpck, T.MessageType, payload, sequence, (byte)version, vmpckId);
    }

    public static byte[] SealRaw(byte[] vmpck, SnpGuestMessageType type, byte[] payload, ulong sequence, byte version, byte vmpckId = 0)
    {
        var header = SnpGuestMessageHeader.Create(type, version, sequence, (ushort)payload.Length, vmpckId);
        var page = new byte[SnpGuestMessage.PageSize];
        SnpGuestMessage.WriteUnsealed(page, header, payload.Length);
        var tag = new byte[16];
        using var aead = new AesGcm(vmpck, 16);
        aead.Encrypt(Nonce(sequence), payload, page.AsSpan(SnpGuestMessageHeader.Size, payload.Length), tag, page.AsSpan(48, 48));
        tag.CopyTo(page, 0);
        return page;
    }

    /// <summary>Opens a response page; returns its header and plaintext (throws if it does not authenticate).</summary>
    public static (SnpGuestMessageHeader Header, byte[] Payload) Open(byte[] vmpck, byte[] page)
    {
        var view = SnpGuestMessage.Read(page);
        var plaintext = new byte[view.Header.MessageSize];
        using var aead = new AesGcm(vmpck, 16);
        aead.Decrypt(Nonce(view.Header.SequenceNumber), view.Ciphertext, view.AuthTag, plaintext, view.AssociatedData);
        return (view.Header, plaintext);
    }

    private static byte[] Nonce(ulong sequence)
    {
        var nonce = new byte[12];
        BitConverter.TryWriteBytes(nonce, sequence);
        return nonce;
    }
}
