using System.Security.Cryptography;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>
/// Secured-message framing against System.Security.Cryptography.AesGcm with the nonce built by hand (DSP0277: IV with
/// the sequence number XORed little-endian into bytes 0..7; AAD = SessionID ‖ Length; 16-byte MAC).
/// </summary>
public class SpdmSecuredDirectionTests
{
    private static readonly byte[] s_secret = Enumerable.Range(1, 48).Select(i => (byte)i).ToArray();

    [Fact]
    public void Seal_SecondMessage_DecryptsWithIvXorSequenceOne()
    {
        using var direction = new SpdmSecuredDirection(s_secret);
        direction.Seal(0xAABBCCDD, [1, 2, 3]);

        var record = direction.Seal(0xAABBCCDD, [9, 8, 7, 6, 5]);

        var key = Rfc5869.Expand(s_secret, Rfc5869.BinConcat(32, "key", []), 32);
        var nonce = Rfc5869.Expand(s_secret, Rfc5869.BinConcat(12, "iv", []), 12);
        nonce[0] ^= 1;
        Assert.Equal([0xDD, 0xCC, 0xBB, 0xAA, 2 + 5 + 16, 0], record[..6]);
        var plain = new byte[7];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(nonce, record.AsSpan(6, 7), record.AsSpan(13, 16), plain, record.AsSpan(0, 6));
        Assert.Equal([5, 0, 9, 8, 7, 6, 5], plain);
    }

    [Fact]
    public void TryOpen_InOrder_ReturnsApplicationData()
    {
        using var sender = new SpdmSecuredDirection(s_secret);
        using var receiver = new SpdmSecuredDirection(s_secret);
        var first = sender.Seal(7, [1]);
        var second = sender.Seal(7, [2]);

        Assert.True(receiver.TryOpen(SecuredMessageRecord.Decode(first, false), out var a));
        Assert.True(receiver.TryOpen(SecuredMessageRecord.Decode(second, false), out var b));
        Assert.Equal([1], a);
        Assert.Equal([2], b);
        Assert.Equal(2ul, receiver.SequenceNumber);
    }

    [Fact]
    public void TryOpen_ReplayedOrReordered_FailsAndKeepsCounter()
    {
        using var sender = new SpdmSecuredDirection(s_secret);
        using var receiver = new SpdmSecuredDirection(s_secret);
        var first = sender.Seal(7, [1]);
        var second = sender.Seal(7, [2]);

        Assert.False(receiver.TryOpen(SecuredMessageRecord.Decode(second, false), out _));
        Assert.Equal(0ul, receiver.SequenceNumber);
        Assert.True(receiver.TryOpen(SecuredMessageRecord.Decode(first, false), out _));
        Assert.False(receiver.TryOpen(SecuredMessageRecord.Decode(first, false), out _));
        Assert.Equal(1ul, receiver.SequenceNumber);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(20)]
    public void TryOpen_AnyByteTampered_Fails(int index)
    {
        using var sender = new SpdmSecuredDirection(s_secret);
        using var receiver = new SpdmSecuredDirection(s_secret);
        var record = sender.Seal(7, [1, 2, 3]);
        record[index] ^= 0x01;

        // Byte 4 is the Length field: the record then no longer parses; the others fail the tag.
        var parsed = index is 4 or 5 ? null : (byte[]?)record;
        if (parsed is null)
        {
            Assert.Throws<SevTio.Protocols.Wire.ProtocolFormatException>(() => SecuredMessageRecord.Decode(record, false));
            return;
        }

        Assert.False(receiver.TryOpen(SecuredMessageRecord.Decode(parsed, false), out _));
    }
}
