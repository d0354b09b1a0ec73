namespace SevTio.Hw.Crypto;

/// <summary>
/// The fused data-path kernels of DESIGN.md ("after the MAC check, IDE decryption and memory encryption run in one
/// pass into the destination page"): no intermediate buffer between the link cipher and the memory cipher.
/// </summary>
public static class FusedCrypto
{
    /// <summary>
    /// DMA write: destination = XEX-encrypt(memoryKey, physicalAddress, CTR-decrypt(ide, nonce, payloadOffset, ideCiphertext)).
    /// The caller has already verified the MAC of the unit (<see cref="GcmStream.Authenticate"/> and
    /// <see cref="GcmStream.FinishAndVerify"/>). Same alignment rules as <see cref="MemoryEncryptionKey"/>; in place allowed.
    /// </summary>
    public static void DecryptToEncryptedMemory(AesGcm256 ide, ReadOnlySpan<byte> nonce, long payloadOffset, ReadOnlySpan<byte> ideCiphertext,
        MemoryEncryptionKey memoryKey, ulong physicalAddress, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(ide);
        ArgumentNullException.ThrowIfNull(memoryKey);
        ide.CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        AesGcm256.CheckPayloadRange(payloadOffset, ideCiphertext.Length);
        memoryKey.CheckArguments(physicalAddress, ideCiphertext, destination, nameof(destination));

        // Composed form: the plaintext exists only in the destination page between the two steps.
        ide.KeystreamXor(new GcmNonce(nonce), payloadOffset, ideCiphertext, destination);
        memoryKey.Encrypt(physicalAddress, destination, destination);
    }

    /// <summary>
    /// DMA read: plaintext = XEX-decrypt(memoryKey, physicalAddress, memoryCiphertext), then the GCM stream continues
    /// over it (encrypt and GHASH) into <paramref name="ideCiphertext"/>, e.g. a TLP payload buffer.
    /// </summary>
    public static void EncryptFromEncryptedMemory(ref GcmStream stream, MemoryEncryptionKey memoryKey, ulong physicalAddress,
        ReadOnlySpan<byte> memoryCiphertext, Span<byte> ideCiphertext)
    {
        ArgumentNullException.ThrowIfNull(memoryKey);
        stream.CheckCanTakePayload();
        memoryKey.CheckArguments(physicalAddress, memoryCiphertext, ideCiphertext, nameof(ideCiphertext));
        memoryKey.Decrypt(physicalAddress, memoryCiphertext, ideCiphertext);
        stream.Encrypt(ideCiphertext, ideCiphertext);
    }
}
