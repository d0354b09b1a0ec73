using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

public abstract partial class CryptoEngineSuite
{
    /// <summary>Random IDE and memory keys and the contexts of this engine on them; null where the engine is unavailable.</summary>
    private DataPathKeys? CreateDataPathKeys(Random random, int memoryKeyBytes)
    {
        var ideKey = RandomBytes(random, 32);
        var dataKey = RandomBytes(random, memoryKeyBytes);
        var tweakKey = RandomBytes(random, memoryKeyBytes);
        var ide = CreateGcm(ideKey);
        var memory = CreateMemoryKey(dataKey, tweakKey);
        if (ide is null || memory is null)
        {
            ide?.Dispose();
            memory?.Dispose();
            return null;
        }

        return new DataPathKeys(ide, memory, ideKey, dataKey, tweakKey);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void DecryptToEncryptedMemory_RandomOffsets_EqualsXexOfPlaintext(int memoryKeyBytes)
    {
        var random = new Random(40 + memoryKeyBytes);
        if (CreateDataPathKeys(random, memoryKeyBytes) is not { } keys)
        {
            return;
        }

        using var ide = keys.Ide;
        using var memory = keys.Memory;
        var (ideKey, dataKey, tweakKey) = (keys.IdeKey, keys.DataKey, keys.TweakKey);

        var nonce = RandomBytes(random, 12);
        var plaintext = RandomBytes(random, 12000);
        var (ideCiphertext, _) = ReferenceCrypto.BclSeal(ideKey, nonce, plaintext, [], 16);
        for (var i = 0; i < 80; i++)
        {
            // Aggregated units put segments at any DW offset of the payload stream; pages take whole blocks.
            var length = 16 * random.Next(0, i < 60 ? 20 : 300);
            var offset = random.Next(0, plaintext.Length - length + 1);
            if (i % 3 == 0)
            {
                offset &= ~15;
            }

            var address = (ulong)random.Next(0, 1 << 30) * 16;
            var expected = ReferenceCrypto.Xex(dataKey, tweakKey, address, plaintext.AsSpan(offset, length), encrypt: true);

            var destination = new byte[length];
            FusedCrypto.DecryptToEncryptedMemory(ide, nonce, offset, ideCiphertext.AsSpan(offset, length), memory, address, destination);
            Assert.True(expected.AsSpan().SequenceEqual(destination), $"offset {offset} length {length} address 0x{address:x}");

            var inPlace = ideCiphertext.AsSpan(offset, length).ToArray();
            FusedCrypto.DecryptToEncryptedMemory(ide, nonce, offset, inPlace, memory, address, inPlace);
            Assert.True(expected.AsSpan().SequenceEqual(inPlace));
        }
    }

    [Theory]
    [InlineData(16, 12)]
    [InlineData(32, 16)]
    public void OpenToEncryptedMemory_ChecksTheTagAndStoresTheXexOfThePlaintext(int memoryKeyBytes, int tagSize)
    {
        var random = new Random(50 + memoryKeyBytes);
        if (CreateDataPathKeys(random, memoryKeyBytes) is not { } keys)
        {
            return;
        }

        using var ide = keys.Ide;
        using var memory = keys.Memory;
        var (ideKey, dataKey, tweakKey) = (keys.IdeKey, keys.DataKey, keys.TweakKey);

        // One-pass shapes (whole line pairs at 64-aligned addresses, up to 4 KiB) and the composed fallbacks around them.
        int[] lengths = [128, 256, 512, 4096, 0, 16, 48, 240, 4224];
        for (var i = 0; i < 40; i++)
        {
            var length = lengths[i % lengths.Length];
            var address = (ulong)random.Next(0, 1 << 24) * (i % 4 == 3 ? 16UL : 64UL);
            var nonce = RandomBytes(random, 12);
            var aad = RandomBytes(random, random.Next(0, 40));
            var plaintext = RandomBytes(random, length);
            var (ciphertext, tag) = ReferenceCrypto.BclSeal(ideKey, nonce, plaintext, aad, tagSize);
            var expected = ReferenceCrypto.Xex(dataKey, tweakKey, address, plaintext, encrypt: true);
            var what = $"length {length} address 0x{address:x} aad {aad.Length}";

            var destination = new byte[length];
            Assert.True(FusedCrypto.OpenToEncryptedMemory(ide, nonce, aad, ciphertext, tag, memory, address, destination), what);
            Assert.True(expected.AsSpan().SequenceEqual(destination), what);

            // Any flipped bit of tag, ciphertext or associated data: refused, destination untouched.
            var untouched = RandomBytes(random, length);
            var badTag = (byte[])tag.Clone();
            badTag[random.Next(tagSize)] ^= (byte)(1 << random.Next(8));
            destination = (byte[])untouched.Clone();
            Assert.False(FusedCrypto.OpenToEncryptedMemory(ide, nonce, aad, ciphertext, badTag, memory, address, destination), what);
            Assert.Equal(untouched, destination);
            if (length > 0)
            {
                var badCiphertext = (byte[])ciphertext.Clone();
                badCiphertext[random.Next(length)] ^= (byte)(1 << random.Next(8));
                Assert.False(FusedCrypto.OpenToEncryptedMemory(ide, nonce, aad, badCiphertext, tag, memory, address, destination), what);
                Assert.Equal(untouched, destination);
            }

            if (aad.Length > 0)
            {
                var badAad = (byte[])aad.Clone();
                badAad[random.Next(aad.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(FusedCrypto.OpenToEncryptedMemory(ide, nonce, badAad, ciphertext, tag, memory, address, destination), what);
                Assert.Equal(untouched, destination);
            }
        }
    }

    [Theory]
    [InlineData(16, 12)]
    [InlineData(32, 16)]
    public void EncryptFromEncryptedMemory_WithinAStream_EqualsOneShotSeal(int memoryKeyBytes, int tagSize)
    {
        var random = new Random(60 + memoryKeyBytes);
        if (CreateDataPathKeys(random, memoryKeyBytes) is not { } keys)
        {
            return;
        }

        using var ide = keys.Ide;
        using var memory = keys.Memory;
        var (ideKey, dataKey, tweakKey) = (keys.IdeKey, keys.DataKey, keys.TweakKey);

        for (var round = 0; round < 60; round++)
        {
            // A unit of payload: an optional plain prefix (any DW count, so the stream may sit mid-block), then pages
            // read from encrypted memory, then an optional plain suffix.
            var prefix = 4 * random.Next(0, 20);
            var fromMemory = 16 * random.Next(0, round < 40 ? 40 : 600);
            var suffix = 4 * random.Next(0, 10);
            var plaintext = RandomBytes(random, prefix + fromMemory + suffix);
            var aad = RandomBytes(random, random.Next(0, 24));
            var nonce = RandomBytes(random, 12);
            var address = (ulong)random.Next(0, 1 << 28) * 16;
            var memoryImage = ReferenceCrypto.Xex(dataKey, tweakKey, address, plaintext.AsSpan(prefix, fromMemory), encrypt: true);
            var (expected, expectedTag) = ReferenceCrypto.BclSeal(ideKey, nonce, plaintext, aad, tagSize);

            var ciphertext = new byte[plaintext.Length];
            var stream = ide.Begin(nonce);
            stream.AppendAssociatedData(aad);
            stream.Encrypt(plaintext.AsSpan(0, prefix), ciphertext.AsSpan(0, prefix));
            FusedCrypto.EncryptFromEncryptedMemory(ref stream, memory, address, memoryImage, ciphertext.AsSpan(prefix, fromMemory));
            stream.Encrypt(plaintext.AsSpan(prefix + fromMemory), ciphertext.AsSpan(prefix + fromMemory));
            var tag = new byte[tagSize];
            stream.Finish(tag);

            Assert.True(expected.AsSpan().SequenceEqual(ciphertext), $"round {round}: prefix {prefix} memory {fromMemory}");
            Assert.Equal(expectedTag, tag);
        }
    }

    [Theory]
    [InlineData(16, 128, 0)]
    [InlineData(16, 4096, 256)]
    [InlineData(32, 4096, 4096)]
    [InlineData(32, 8256, 1024)]
    [InlineData(16, 4096, 260)]
    public void FusedCrypto_PageAlignedTransfers_EqualReferenceBothWays(int memoryKeyBytes, int length, int payloadOffset)
    {
        // Page-aligned DMA, the shape the one-pass kernels take whole (the last row's offset is not block-aligned).
        var random = new Random(length + payloadOffset);
        var ideKey = RandomBytes(random, 32);
        var dataKey = RandomBytes(random, memoryKeyBytes);
        var tweakKey = RandomBytes(random, memoryKeyBytes);
        using var ide = CreateGcm(ideKey);
        using var memory = CreateMemoryKey(dataKey, tweakKey);
        if (ide is null || memory is null)
        {
            return;
        }

        const ulong page = 0x2_4567_8000;
        var nonce = RandomBytes(random, 12);
        var aad = RandomBytes(random, 16);
        var plaintext = RandomBytes(random, payloadOffset + length);
        var (ideCiphertext, tag) = ReferenceCrypto.BclSeal(ideKey, nonce, plaintext, aad, 16);
        var memoryImage = ReferenceCrypto.Xex(dataKey, tweakKey, page, plaintext.AsSpan(payloadOffset), encrypt: true);

        // Write: link ciphertext → encrypted page.
        var destination = new byte[length];
        FusedCrypto.DecryptToEncryptedMemory(ide, nonce, payloadOffset, ideCiphertext.AsSpan(payloadOffset), memory, page, destination);
        Assert.True(memoryImage.AsSpan().SequenceEqual(destination));

        // Read: encrypted page → link ciphertext and MAC.
        var stream = ide.Begin(nonce);
        stream.AppendAssociatedData(aad);
        var ciphertext = new byte[plaintext.Length];
        stream.Encrypt(plaintext.AsSpan(0, payloadOffset), ciphertext.AsSpan(0, payloadOffset));
        FusedCrypto.EncryptFromEncryptedMemory(ref stream, memory, page, memoryImage, ciphertext.AsSpan(payloadOffset));
        var actualTag = new byte[16];
        stream.Finish(actualTag);
        Assert.True(ideCiphertext.AsSpan().SequenceEqual(ciphertext));
        Assert.Equal(tag, actualTag);
    }

    [Fact]
    public void FusedCrypto_BadArguments_Throw()
    {
        using var ide = CreateGcm(new byte[32]);
        using var memory = CreateMemoryKey(new byte[16], new byte[16]);
        if (ide is null || memory is null)
        {
            return;
        }

        var nonce = new byte[12];
        Assert.Throws<ArgumentException>(() => FusedCrypto.DecryptToEncryptedMemory(ide, nonce, 0, new byte[20], memory, 0, new byte[20]));
        Assert.Throws<ArgumentException>(() => FusedCrypto.DecryptToEncryptedMemory(ide, nonce, 0, new byte[16], memory, 4, new byte[16]));
        Assert.Throws<ArgumentException>(() => FusedCrypto.DecryptToEncryptedMemory(ide, new byte[8], 0, new byte[16], memory, 0, new byte[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedCrypto.DecryptToEncryptedMemory(ide, nonce, -4, new byte[16], memory, 0, new byte[16]));

        var finished = ide.Begin(nonce);
        finished.Finish(new byte[16]);
        var output = new byte[16];
        Assert.Throws<InvalidOperationException>(() => FusedCrypto.EncryptFromEncryptedMemory(ref finished, memory, 0, new byte[16], output));
        Assert.All(output, b => Assert.Equal(0, b));
        var stream = ide.Begin(nonce);
        Assert.Throws<ArgumentException>(() => FusedCrypto.EncryptFromEncryptedMemory(ref stream, memory, 0, new byte[16], new byte[32]));
    }
}

internal sealed record DataPathKeys(AesGcm256 Ide, MemoryEncryptionKey Memory, byte[] IdeKey, byte[] DataKey, byte[] TweakKey);
