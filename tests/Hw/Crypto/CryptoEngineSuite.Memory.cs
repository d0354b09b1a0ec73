using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

public abstract partial class CryptoEngineSuite
{
    [Fact]
    public void MemoryEncryption_Ieee1619Vector1_MatchesAtAddressZero()
    {
        // IEEE 1619-2007 Annex B, XTS-AES-128 vector 1: both keys zero, data unit 0, 32 zero bytes. With our tweak a
        // cache line at address L is the XTS data unit with sequence number L, so address 0 reproduces it.
        using var key = CreateMemoryKey(new byte[16], new byte[16]);
        if (key is null)
        {
            return;
        }

        var ciphertext = new byte[32];
        key.Encrypt(0, new byte[32], ciphertext);
        Assert.Equal(Convert.FromHexString("917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e"), ciphertext);
    }

    [Theory]
    [InlineData("2718281828459045235360287471352662497757247093699959574966967627", "3141592653589793238462643383279502884197169399375105820974944592", 0x12345000UL,
        "3b7631129acd7e6ba48aa0f51dfaee744ef53ccce75ecc506e5d7558642c49882b0a7b23bfa9062703438bc6d7284d0c8d7dd858d9b05cf7f45fa74fd66ce29f")]
    [InlineData("27182818284590452353602874713526", "31415926535897932384626433832795", 0xfedcba9876543200UL,
        "949e77c32fcee162b02f98e9d47c2f4afff744aa948baa1ae14bf023737be17fbc76789e088ccb42c704283c8fe44a6516c0849db0163636497ed68bcbe37d2c")]
    public void MemoryEncryption_OneCacheLine_MatchesOpenSslXts(string dataKey, string tweakKey, ulong address, string expected)
    {
        // Expected values: OpenSSL 3.0 AES-XTS (Python cryptography 48) with the line address as the 16-byte little-endian
        // tweak over the 64 bytes 00..3f, i.e. one XTS data unit per cache line.
        using var key = CreateMemoryKey(Convert.FromHexString(dataKey), Convert.FromHexString(tweakKey));
        if (key is null)
        {
            return;
        }

        var plaintext = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var ciphertext = new byte[64];
        key.Encrypt(address, plaintext, ciphertext);
        Assert.Equal(Convert.FromHexString(expected), ciphertext);
        key.Decrypt(address, ciphertext, ciphertext);
        Assert.Equal(plaintext, ciphertext);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void MemoryEncryption_RandomRanges_MatchIndependentXexAndInvert(int keyBytes)
    {
        var random = new Random(keyBytes);
        var dataKey = RandomBytes(random, keyBytes);
        var tweakKey = RandomBytes(random, keyBytes);
        using var key = CreateMemoryKey(dataKey, tweakKey);
        if (key is null)
        {
            return;
        }

        for (var i = 0; i < 60; i++)
        {
            var address = ((ulong)random.NextInt64() >> random.Next(0, 40)) & ~15UL;
            var length = 16 * (i < 40 ? random.Next(0, 40) : random.Next(0, 600));
            var plaintext = RandomBytes(random, length);
            var expected = ReferenceCrypto.Xex(dataKey, tweakKey, address, plaintext, encrypt: true);

            var ciphertext = new byte[length];
            key.Encrypt(address, plaintext, ciphertext);
            Assert.True(expected.AsSpan().SequenceEqual(ciphertext), $"address 0x{address:x} length {length}");

            var decrypted = new byte[length];
            key.Decrypt(address, ciphertext, decrypted);
            Assert.True(plaintext.AsSpan().SequenceEqual(decrypted));

            // In place, both directions.
            var buffer = (byte[])plaintext.Clone();
            key.Encrypt(address, buffer, buffer);
            Assert.True(expected.AsSpan().SequenceEqual(buffer));
            key.Decrypt(address, buffer, buffer);
            Assert.True(plaintext.AsSpan().SequenceEqual(buffer));
        }
    }

    [Fact]
    public void MemoryEncryption_SamePlaintextElsewhere_GivesDifferentCiphertext()
    {
        var random = new Random(3);
        using var key = CreateMemoryKey(RandomBytes(random, 16), RandomBytes(random, 16));
        if (key is null)
        {
            return;
        }

        // A page of one repeated 16-byte pattern: every block of it must encrypt differently (4 positions in a line, 64 lines).
        var pattern = RandomBytes(random, 16);
        var page = new byte[4096];
        for (var i = 0; i < page.Length; i += 16)
        {
            pattern.CopyTo(page, i);
        }

        var atA = new byte[4096];
        var atB = new byte[4096];
        key.Encrypt(0x1_0000_0000, page, atA);
        key.Encrypt(0x1_0000_1000, page, atB);
        var blocks = new HashSet<string>();
        for (var i = 0; i < page.Length; i += 16)
        {
            Assert.True(blocks.Add(Convert.ToHexString(atA, i, 16)));
            Assert.True(blocks.Add(Convert.ToHexString(atB, i, 16)));
        }
    }

    [Fact]
    public void MemoryEncryption_BadArguments_Throw()
    {
        using var key = CreateMemoryKey(new byte[32], new byte[32]);
        if (key is null)
        {
            return;
        }

        Assert.Throws<ArgumentException>(() => key.Encrypt(8, new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => key.Encrypt(0, new byte[20], new byte[20]));
        Assert.Throws<ArgumentException>(() => key.Encrypt(0, new byte[32], new byte[16]));
        Assert.Throws<ArgumentException>(() => key.Encrypt(ulong.MaxValue - 15, new byte[32], new byte[32]));
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => key.Decrypt(0, buffer.AsSpan(0, 32), buffer.AsSpan(16, 32)));
        Assert.Throws<ArgumentException>(() => new MemoryEncryptionKey(new byte[16], new byte[32]));
        Assert.Throws<ArgumentException>(() => new MemoryEncryptionKey(new byte[24], new byte[24]));
    }
}
