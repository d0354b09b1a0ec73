using System.Security.Cryptography;
using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

public abstract partial class CryptoEngineSuite
{
    public static TheoryData<int> WycheproofIds => WycheproofAesGcm.Ids();

    [Theory]
    [MemberData(nameof(WycheproofIds))]
    public void Wycheproof_Aes256Iv96_MatchesExpectedResult(int tcId)
    {
        var c = WycheproofAesGcm.Aes256Iv96[tcId];
        using var gcm = CreateGcm(c.Key);
        if (gcm is null)
        {
            return;
        }

        // Open: a valid case decrypts to msg; an invalid one is refused and the output keeps its sentinel bytes.
        var plaintext = Enumerable.Repeat((byte)0xA5, c.Ct.Length).ToArray();
        var opened = gcm.Open(c.Iv, c.Ct, c.Tag, plaintext, c.Aad);
        if (c.Result == "invalid")
        {
            Assert.False(opened, $"tcId {tcId} ({c.Comment}) must be rejected");
            Assert.All(plaintext, b => Assert.Equal(0xA5, b));
        }
        else
        {
            Assert.True(opened, $"tcId {tcId} ({c.Comment}) must verify");
            Assert.Equal(c.Msg, plaintext);
        }

        // Seal: a valid case reproduces ct and tag, also truncated to IDE's 96-bit MAC; an invalid one must not.
        var ciphertext = new byte[c.Msg.Length];
        var tag = new byte[16];
        gcm.Seal(c.Iv, c.Msg, ciphertext, tag, c.Aad);
        if (c.Result == "invalid")
        {
            Assert.False(ciphertext.AsSpan().SequenceEqual(c.Ct) && tag.AsSpan().SequenceEqual(c.Tag));
        }
        else
        {
            Assert.Equal(c.Ct, ciphertext);
            Assert.Equal(c.Tag, tag);
            var tag12 = new byte[12];
            gcm.Seal(c.Iv, c.Msg, ciphertext, tag12, c.Aad);
            Assert.Equal(c.Tag[..12], tag12);
            Assert.True(gcm.Open(c.Iv, c.Ct, tag12, plaintext, c.Aad));
        }
    }

    [Fact]
    public void Wycheproof_Aes256Iv96_HasAllCases()
    {
        // 66 AES-256 cases with a 96-bit IV in the copied file (counted independently with a JSON tool).
        Assert.Equal(66, WycheproofAesGcm.Aes256Iv96.Count);
        Assert.Contains(WycheproofAesGcm.Aes256Iv96.Values, c => c.Result == "invalid");
        _ = CreateGcm(new byte[32]);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    public void Seal_EveryLength0To1100_MatchesBclAndOpens(int tagSize)
    {
        var random = new Random(1100 + tagSize);
        var key = RandomBytes(random, 32);
        using var gcm = CreateGcm(key);
        if (gcm is null)
        {
            return;
        }

        using var bcl = new AesGcm(key, tagSize);
        var plaintext = RandomBytes(random, 1100);
        var ours = new byte[1100];
        var theirs = new byte[1100];
        var tag = new byte[tagSize];
        var bclTag = new byte[tagSize];
        var opened = new byte[1100];
        for (var length = 0; length <= 1100; length++)
        {
            var nonce = RandomBytes(random, 12);
            var aad = RandomBytes(random, random.Next(0, 101));
            gcm.Seal(nonce, plaintext.AsSpan(0, length), ours.AsSpan(0, length), tag, aad);
            bcl.Encrypt(nonce, plaintext.AsSpan(0, length), theirs.AsSpan(0, length), bclTag, aad);
            Assert.True(ours.AsSpan(0, length).SequenceEqual(theirs.AsSpan(0, length)), $"ciphertext differs at length {length}");
            Assert.True(tag.AsSpan().SequenceEqual(bclTag), $"tag differs at length {length}");
            Assert.True(gcm.Open(nonce, ours.AsSpan(0, length), tag, opened.AsSpan(0, length), aad), $"open fails at length {length}");
            Assert.True(opened.AsSpan(0, length).SequenceEqual(plaintext.AsSpan(0, length)), $"plaintext differs at length {length}");
        }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    public void Seal_RandomLengthsUpTo1MiB_MatchesBclAndOpens(int tagSize)
    {
        var random = new Random(20 + tagSize);
        var key = RandomBytes(random, 32);
        using var gcm = CreateGcm(key);
        if (gcm is null)
        {
            return;
        }

        using var bcl = new AesGcm(key, tagSize);
        int[] lengths = [1 << 20, random.Next(1 << 20), random.Next(1 << 20), random.Next(65536), random.Next(4096, 16384)];
        foreach (var length in lengths)
        {
            var plaintext = RandomBytes(random, length);
            var nonce = RandomBytes(random, 12);
            var aad = RandomBytes(random, random.Next(0, 101));
            var ours = new byte[length];
            var theirs = new byte[length];
            var tag = new byte[tagSize];
            var bclTag = new byte[tagSize];
            gcm.Seal(nonce, plaintext, ours, tag, aad);
            bcl.Encrypt(nonce, plaintext, theirs, bclTag, aad);
            Assert.True(ours.AsSpan().SequenceEqual(theirs), $"ciphertext differs at length {length}");
            Assert.Equal(bclTag, tag);
            var opened = new byte[length];
            Assert.True(gcm.Open(nonce, ours, tag, opened, aad));
            Assert.True(opened.AsSpan().SequenceEqual(plaintext), $"plaintext differs at length {length}");
        }
    }

    [Fact]
    public void Seal_EveryTagSize12To16_IsTheBclTagAndOpens()
    {
        var random = new Random(1216);
        var key = RandomBytes(random, 32);
        using var gcm = CreateGcm(key);
        if (gcm is null)
        {
            return;
        }

        foreach (var length in new[] { 0, 17, 256, 1500 })
        {
            var nonce = RandomBytes(random, 12);
            var aad = RandomBytes(random, 13);
            var plaintext = RandomBytes(random, length);
            for (var tagSize = AesGcm256.MinTagSize; tagSize <= AesGcm256.MaxTagSize; tagSize++)
            {
                var (expected, expectedTag) = ReferenceCrypto.BclSeal(key, nonce, plaintext, aad, tagSize);
                var ciphertext = new byte[length];
                var tag = new byte[tagSize];
                gcm.Seal(nonce, plaintext, ciphertext, tag, aad);
                Assert.Equal(expected, ciphertext);
                Assert.Equal(expectedTag, tag);
                var opened = new byte[length];
                Assert.True(gcm.Open(nonce, ciphertext, tag, opened, aad));
                Assert.Equal(plaintext, opened);
                tag[^1] ^= 0x40;
                Assert.False(gcm.Open(nonce, ciphertext, tag, opened, aad));
            }
        }
    }

    [Theory]
    [InlineData(0, 12)]
    [InlineData(1, 16)]
    [InlineData(16, 12)]
    [InlineData(255, 16)]
    [InlineData(256, 12)]
    [InlineData(4099, 16)]
    public void Open_TamperedTagCiphertextOrAad_ReturnsFalseAndLeavesPlaintextUntouched(int length, int tagSize)
    {
        var random = new Random(length * 31 + tagSize);
        var key = RandomBytes(random, 32);
        using var gcm = CreateGcm(key);
        if (gcm is null)
        {
            return;
        }

        var nonce = RandomBytes(random, 12);
        var aad = RandomBytes(random, 20);
        var (ciphertext, tag) = ReferenceCrypto.BclSeal(key, nonce, RandomBytes(random, length), aad, tagSize);

        void AssertRejected(byte[] c, byte[] t, byte[] a, string what)
        {
            var output = Enumerable.Repeat((byte)0x5A, c.Length).ToArray();
            Assert.False(gcm.Open(nonce, c, t, output, a), what);
            Assert.All(output, b => Assert.Equal(0x5A, b));

            // In place: the ciphertext itself must survive a failed open.
            var inPlace = (byte[])c.Clone();
            Assert.False(gcm.Open(nonce, inPlace, t, inPlace, a), what + " (in place)");
            Assert.Equal(c, inPlace);
        }

        for (var i = 0; i < tagSize; i += 5)
        {
            var t = (byte[])tag.Clone();
            t[i] ^= (byte)(1 << (i & 7));
            AssertRejected(ciphertext, t, aad, $"tag byte {i}");
        }

        if (length > 0)
        {
            foreach (var i in new[] { 0, length / 2, length - 1 })
            {
                var c = (byte[])ciphertext.Clone();
                c[i] ^= 0x80;
                AssertRejected(c, tag, aad, $"ciphertext byte {i}");
            }

            AssertRejected(ciphertext[..^1], tag, aad, "truncated ciphertext");
        }

        var a2 = (byte[])aad.Clone();
        a2[7] ^= 1;
        AssertRejected(ciphertext, tag, a2, "aad byte 7");
        AssertRejected(ciphertext, tag, aad[..^1], "truncated aad");
        AssertRejected(ciphertext, tag, [.. aad, 0], "extended aad");
        var otherNonce = (byte[])nonce.Clone();
        otherNonce[11] ^= 1;
        Assert.False(gcm.Open(otherNonce, ciphertext, tag, new byte[length], aad));

        // The untampered message still opens.
        Assert.True(gcm.Open(nonce, ciphertext, tag, new byte[length], aad));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(256)]
    [InlineData(1000)]
    public void Seal_InPlace_MatchesOutOfPlaceAndOpensInPlace(int length)
    {
        var random = new Random(length + 7);
        var key = RandomBytes(random, 32);
        using var gcm = CreateGcm(key);
        if (gcm is null)
        {
            return;
        }

        var nonce = RandomBytes(random, 12);
        var aad = RandomBytes(random, 16);
        var plaintext = RandomBytes(random, length);
        var (expected, expectedTag) = ReferenceCrypto.BclSeal(key, nonce, plaintext, aad, 16);

        var buffer = (byte[])plaintext.Clone();
        var tag = new byte[16];
        gcm.Seal(nonce, buffer, buffer, tag, aad);
        Assert.Equal(expected, buffer);
        Assert.Equal(expectedTag, tag);

        Assert.True(gcm.Open(nonce, buffer, tag, buffer, aad));
        Assert.Equal(plaintext, buffer);
    }

    [Fact]
    public void Seal_BadArguments_Throw()
    {
        using var gcm = CreateGcm(new byte[32]);
        if (gcm is null)
        {
            return;
        }

        var buffer = new byte[64];
        var nonce = new byte[12];
        Assert.Throws<ArgumentException>(() => gcm.Seal(new byte[11], buffer, new byte[64], new byte[16]));
        Assert.Throws<ArgumentException>(() => gcm.Seal(nonce, buffer, new byte[64], new byte[11]));
        Assert.Throws<ArgumentException>(() => gcm.Seal(nonce, buffer, new byte[64], new byte[17]));
        Assert.Throws<ArgumentException>(() => gcm.Seal(nonce, buffer, new byte[63], new byte[16]));
        Assert.Throws<ArgumentException>(() => gcm.Seal(nonce, buffer.AsSpan(0, 32), buffer.AsSpan(16, 32), new byte[16]));
        Assert.Throws<ArgumentException>(() => gcm.Open(nonce, buffer.AsSpan(16, 32), new byte[16], buffer.AsSpan(0, 32)));
        Assert.Throws<ArgumentException>(() => gcm.ApplyKeystream(nonce, 0, buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
        Assert.Throws<ArgumentOutOfRangeException>(() => gcm.ApplyKeystream(nonce, -1, buffer, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => gcm.ApplyKeystream(nonce, (1L << 36) - 32 - 63, buffer, buffer));
        Assert.Throws<ArgumentException>(() => new AesGcm256(new byte[16]));
        Assert.Throws<ArgumentException>(() => new AesGcm256(new byte[33]));
    }

    [Fact]
    public void Dispose_ThenUse_ThrowsObjectDisposed()
    {
        var gcm = CreateGcm(new byte[32]);
        if (gcm is null)
        {
            return;
        }

        gcm.Dispose();
        gcm.Dispose();
        Assert.Throws<ObjectDisposedException>(() => gcm.Seal(new byte[12], [], [], new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => gcm.Begin(new byte[12]));
    }
}
