using System.Runtime.InteropServices;

namespace SevTio.Hw.Crypto;

/// <summary>
/// The fused data-path kernels of DESIGN.md ("after the MAC check, IDE decryption and memory encryption run in one
/// pass into the destination page"): no intermediate buffer between the link cipher and the memory cipher.
/// </summary>
/// <remarks>
/// On the Intrinsics backend the body of a transfer (payload keystream on a block boundary, whole pairs of 64-byte lines)
/// runs in one register pass per line pair. Heads and tails outside that shape, a keystream that does not start on a
/// block boundary, and the Platform backend are composed from the two ciphers in L1-sized chunks of the destination:
/// still no intermediate buffer, but two passes over each chunk.
/// </remarks>
public static class FusedCrypto
{
    /// <summary>Chunk of the composed path: small enough that its second pass hits L1.</summary>
    internal const int ComposedChunkBytes = 1024;

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

        var n = new GcmNonce(nonce);
        var done = 0;
        var length = ideCiphertext.Length;
        if (ide.AesKey is { } ideKey && memoryKey.DataKey is { } dataKey)
        {
            // Head up to the first line boundary, then whole line pairs in one pass if the keystream is block-aligned there.
            var head = Math.Min(length, (int)((64 - (physicalAddress & 63)) & 63));
            if (head > 0)
            {
                Composed(ide, n, payloadOffset, ideCiphertext[..head], memoryKey, physicalAddress, destination[..head]);
                done = head;
            }

            var body = (length - done) & ~127;
            if (body > 0 && ((payloadOffset + done) & 15) == 0)
            {
                FusedKernels.CtrDecryptThenXexEncrypt(ideKey, GcmKernels.ReversedCounter(n, GcmNonce.PayloadCounter((payloadOffset + done) >> 4)),
                    dataKey, memoryKey.TweakKey!, physicalAddress + (ulong)done,
                    ref MemoryMarshal.GetReference(ideCiphertext[done..]), ref MemoryMarshal.GetReference(destination[done..]), body);
                done += body;
            }
        }

        Composed(ide, n, payloadOffset + done, ideCiphertext[done..], memoryKey, physicalAddress + (ulong)done, destination[done..]);
    }

    /// <summary>The largest unit <see cref="OpenToEncryptedMemory"/> checks in one pass (a TLP payload of MPS 4 KiB).</summary>
    internal const int MaxOpenedUnitBytes = 4096;

    /// <summary>
    /// DMA write of an IDE unit of one TLP, checked and stored in one pass: GHASH over <paramref name="associatedData"/>
    /// and <paramref name="ideCiphertext"/> runs alongside the IDE decryption and the memory encryption (the AES unit and
    /// the carry-less multiplier work side by side) into a scratch buffer, which is copied into
    /// <paramref name="destination"/> only if the tag matches <paramref name="tag"/> (12..16 bytes, constant-time
    /// compare). Returns false and leaves <paramref name="destination"/> untouched otherwise. The keystream starts at
    /// payload offset 0. Same result as <see cref="GcmStream.FinishAndVerify"/> followed by
    /// <see cref="DecryptToEncryptedMemory"/>, which is what runs for other shapes (address not 64-aligned, length not
    /// whole 128-byte line pairs or above 4 KiB) and on the Platform backend.
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    public static bool OpenToEncryptedMemory(AesGcm256 ide, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ideCiphertext,
        ReadOnlySpan<byte> tag, MemoryEncryptionKey memoryKey, ulong physicalAddress, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(ide);
        ArgumentNullException.ThrowIfNull(memoryKey);
        ide.CheckDisposed();
        CryptoArgument.CheckNonce(nonce);
        CryptoArgument.CheckTag(tag.Length);
        AesGcm256.CheckPayloadRange(0, ideCiphertext.Length);
        memoryKey.CheckArguments(physicalAddress, ideCiphertext, destination, nameof(destination));

        var n = new GcmNonce(nonce);
        var length = ideCiphertext.Length;
        if (ide.AesKey is not null && memoryKey.DataKey is not null && (physicalAddress & 63) == 0 && length > 0 && (length & 127) == 0 &&
            length <= MaxOpenedUnitBytes)
        {
            Span<byte> scratch = stackalloc byte[MaxOpenedUnitBytes];
            var stored = scratch[..length];
            if (!ide.OpenToEncryptedMemory(n, associatedData, ideCiphertext, tag, memoryKey, physicalAddress, stored))
            {
                return false;
            }

            stored.CopyTo(destination);
            return true;
        }

        if (!ide.CheckTag(n, associatedData, ideCiphertext, tag))
        {
            return false;
        }

        DecryptToEncryptedMemory(ide, nonce, 0, ideCiphertext, memoryKey, physicalAddress, destination);
        return true;
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
        stream.EncryptFromEncryptedMemory(memoryKey, physicalAddress, memoryCiphertext, ideCiphertext);
    }

    private static void Composed(AesGcm256 ide, in GcmNonce nonce, long payloadOffset, ReadOnlySpan<byte> source,
        MemoryEncryptionKey memoryKey, ulong address, Span<byte> destination)
    {
        for (var offset = 0; offset < source.Length; offset += ComposedChunkBytes)
        {
            var chunk = Math.Min(ComposedChunkBytes, source.Length - offset);
            var target = destination.Slice(offset, chunk);
            ide.KeystreamXor(nonce, payloadOffset + offset, source.Slice(offset, chunk), target);
            memoryKey.Transform(address + (ulong)offset, target, target, encrypt: true);
        }
    }
}
