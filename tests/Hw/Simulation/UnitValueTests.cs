using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Simulation;

public class UnitValueTests
{
    [Theory]
    [InlineData("256B", 256L)]
    [InlineData("4KiB", 4096L)]
    [InlineData("64MiB", 67_108_864L)]
    [InlineData("1GiB", 1_073_741_824L)]
    [InlineData("1TiB", 1_099_511_627_776L)]
    [InlineData("4kB", 4000L)]
    [InlineData("1.5KiB", 1536L)]
    [InlineData("512", 512L)]
    public void ByteSize_Parse_GivesBytes(string text, long bytes) =>
        Assert.Equal(bytes, ByteSize.Parse(text).Bytes);

    [Theory]
    [InlineData("4XiB")]
    [InlineData("-4KiB")]
    [InlineData("0.3B")]
    [InlineData("lots")]
    [InlineData("99999999TiB")]
    public void ByteSize_ParseBad_NamesKey(string text)
    {
        var ex = Assert.Throws<ParameterException>(() => ByteSize.Parse(text, "link.mps"));
        Assert.Equal("link.mps", ex.Key);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4096L, "4KiB")]
    [InlineData(1536L, "1536B")]
    [InlineData(67_108_864L, "64MiB")]
    [InlineData(3L * 1024 * 1024 * 1024, "3GiB")]
    public void ByteSize_ToString_RoundTrips(long bytes, string text)
    {
        Assert.Equal(text, new ByteSize(bytes).ToString());
        Assert.Equal(bytes, ByteSize.Parse(text).Bytes);
    }

    [Theory]
    [InlineData("2.5GT/s", 2_500_000_000L)]
    [InlineData("32GT/s", 32_000_000_000L)]
    [InlineData("64 GT/s", 64_000_000_000L)]
    [InlineData("500MT/s", 500_000_000L)]
    public void TransferRate_Parse_GivesTransfersPerSecond(string text, long tps) =>
        Assert.Equal(tps, TransferRate.Parse(text).TransfersPerSecond);

    [Theory]
    [InlineData("32Gb/s")]
    [InlineData("0GT/s")]
    [InlineData("fast")]
    public void TransferRate_ParseBad_NamesKey(string text) =>
        Assert.Equal("link.rate", Assert.Throws<ParameterException>(() => TransferRate.Parse(text, "link.rate")).Key);

    [Theory]
    [InlineData("63GB/s", 63e9)]
    [InlineData("415.8Gb/s", 415.8e9 / 8)]
    [InlineData("800MB/s", 800e6)]
    [InlineData("1GiB/s", 1073741824.0)]
    public void Bandwidth_Parse_GivesBytesPerSecond(string text, double bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, Bandwidth.Parse(text).BytesPerSecond, 6);

    [Theory]
    [InlineData("63 parsecs/s")]
    [InlineData("-1GB/s")]
    [InlineData("0GB/s")]
    public void Bandwidth_ParseBad_NamesKey(string text) =>
        Assert.Equal("memory.bandwidth", Assert.Throws<ParameterException>(() => Bandwidth.Parse(text, "memory.bandwidth")).Key);

    [Fact]
    public void Bandwidth_TimeFor_RoundsUpToWholePicoseconds()
    {
        // 1 GB/s moves one byte per nanosecond; 3 bytes at 2 GB/s take 1.5 ns.
        Assert.Equal(1_000, Bandwidth.Parse("1GB/s").TimeFor(1).Picoseconds);
        Assert.Equal(1_500, Bandwidth.Parse("2GB/s").TimeFor(3).Picoseconds);
        Assert.Equal(1, Bandwidth.Parse("3000GB/s").TimeFor(1).Picoseconds);
    }
}
