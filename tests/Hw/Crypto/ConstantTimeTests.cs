using SevTio.Hw.Crypto;

namespace SevTio.Hw.Tests.Crypto;

public sealed class ConstantTimeTests
{
    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    public void TagEquals_AnySingleBitFlipped_IsFalse(int length)
    {
        var random = new Random(length);
        var a = new byte[length];
        random.NextBytes(a);
        Assert.True(ConstantTime.TagEquals(a, (byte[])a.Clone()));
        for (var bit = 0; bit < length * 8; bit++)
        {
            var b = (byte[])a.Clone();
            b[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(ConstantTime.TagEquals(a, b), $"bit {bit}");
        }
    }
}
