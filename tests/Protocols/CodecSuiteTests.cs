using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests;

/// <summary>
/// The same checks on every codec: decode and encode are exact inverses, every truncation raises
/// <see cref="ProtocolFormatException"/> (and nothing else), and a trailing byte is refused.
/// </summary>
public class CodecSuiteTests
{
    [Theory]
    [MemberData(nameof(CodecCases.AllData), MemberType = typeof(CodecCases))]
    [MemberData(nameof(CodecCases.OpenEndedData), MemberType = typeof(CodecCases))]
    public void DecodeEncode_EncodedMessage_ReturnsSameBytes(CodecCase codec)
    {
        Assert.Equal(codec.Bytes, codec.DecodeEncode(codec.Bytes));
    }

    [Theory]
    [MemberData(nameof(CodecCases.AllData), MemberType = typeof(CodecCases))]
    public void Decode_EveryTruncation_ThrowsProtocolFormatException(CodecCase codec)
    {
        for (var length = 0; length < codec.Bytes.Length; length++)
        {
            var truncated = codec.Bytes[..length];
            var e = Record.Exception(() => codec.DecodeEncode(truncated));
            Assert.True(e is ProtocolFormatException, $"{codec.Name} truncated to {length} of {codec.Bytes.Length} bytes: {(e is null ? "accepted" : e.GetType().Name + ": " + e.Message)}");
        }
    }

    [Theory]
    [MemberData(nameof(CodecCases.AllData), MemberType = typeof(CodecCases))]
    public void Decode_TrailingByte_ThrowsProtocolFormatException(CodecCase codec)
    {
        byte[] longer = [.. codec.Bytes, 0x00];
        Assert.Throws<ProtocolFormatException>(() => codec.DecodeEncode(longer));
    }

    [Theory]
    [MemberData(nameof(CodecCases.AllData), MemberType = typeof(CodecCases))]
    public void Decode_CorruptedByte_NeverThrowsAnythingButProtocolFormatException(CodecCase codec)
    {
        // Any single byte flipped to any of a few values either decodes or is refused by name: never a crash.
        for (var i = 0; i < codec.Bytes.Length; i++)
        {
            foreach (var value in new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFF })
            {
                var corrupted = codec.Bytes.ToArray();
                corrupted[i] = value;
                var e = Record.Exception(() => codec.DecodeEncode(corrupted));
                Assert.True(e is null or ProtocolFormatException, $"{codec.Name} byte {i} = 0x{value:X2}: {e?.GetType().Name}: {e?.Message}");
            }
        }
    }
}
