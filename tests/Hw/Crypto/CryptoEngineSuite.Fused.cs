using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

public abstract partial class CryptoEngineSuite
{
    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void DecryptToEncryptedMemory_RandomOffsets_EqualsXexOfPlaintext(int memoryKeyBytes)
    {
        var random = new Random(40 + memoryKeyBytes);
        var ideKey = RandomBytes(random, 32);
        var dataKey = RandomBytes(random, memoryKeyBytes);
        var tweakKey = RandomBytes(random, memoryKeyBytes);
        using var ide = CreateGcm(ideKey);
        using var memory = CreateMemoryKey(dataKey, tweakKey);
        if (ide is null || memory is null)
        {
            return;
        }

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
    public void EncryptFromEncryptedMemory_WithinAStream_EqualsOneShotSeal(int memoryKeyBytes, int tagSize)
    {
        var random = new Random(60 + memoryKeyBytes);
        var ideKey = RandomBytes(random, 32);
        var dataKey = RandomBytes(random, memoryKeyBytes);
        var tweakKey = RandomBytes(random, memoryKeyBytes);
        using var ide = CreateGcm(ideKey);
        using var memory = CreateMemoryKey(dataKey, tweakKey);
        if (ide is null || memory is null)
        {
            return;
        }

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
