using SevTio.Hw.Crypto;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Tests.Crypto;

namespace SevTio.Hw.Tests.Ide;

/// <summary>
/// <see cref="IdeStream.ReceiveWrite{TSink}"/>: a write TLP that is an IDE unit of its own is checked in the pass that
/// decrypts and memory-encrypts it into the store; everything else (aggregated units, PCRC) takes the plain receive
/// path. Expected bytes: XEX of the plaintext under the memory key (IEEE 1619 construction, <see cref="ReferenceCrypto.Xex"/>).
/// </summary>
public sealed class IdeFusedWriteTests
{
    private const ulong Page = 0x1_2345_6000;

    private static readonly byte[] DataKey = Enumerable.Range(1, 16).Select(i => (byte)(i * 3)).ToArray();
    private static readonly byte[] TweakKey = Enumerable.Range(1, 16).Select(i => (byte)(i * 5 + 1)).ToArray();

    [Theory]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(48)]
    public void A_unit_of_one_TLP_is_stored_XEX_encrypted_and_reported_stored(int length)
    {
        using var pair = new IdeTestPair();
        using var memory = new MemoryEncryptionKey(DataKey, TweakKey);
        var plaintext = IdeTestPair.Payload(length, 7);
        var tlp = IdeTestPair.MemoryWrite(Page, plaintext);
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlp));

        var page = new byte[length];
        var sink = new StoreSink();
        var status = pair.RootPort.ReceiveWrite(tlp, ref sink, new IdeFusedWrite(memory, Page, page));

        Assert.Equal(IdeReceiveStatus.Verified, status);
        Assert.Equal(ReferenceCrypto.Xex(DataKey, TweakKey, Page, plaintext, encrypt: true), page);
        var segment = Assert.Single(sink.Verified);
        Assert.True(segment.Stored);
        Assert.Equal(plaintext, segment.Plaintext); // the TLP still carries the ciphertext, which decrypts as before
        Assert.Equal(1, pair.RootPort.Statistics.UnitsVerified);
        Assert.Equal(IdeStreamState.Secure, pair.RootPort.State);
    }

    [Fact]
    public void A_bad_MAC_stores_nothing_and_fails_the_stream_as_the_plain_path_does()
    {
        using var pair = new IdeTestPair();
        using var memory = new MemoryEncryptionKey(DataKey, TweakKey);
        var tlp = IdeTestPair.MemoryWrite(Page, IdeTestPair.Payload(256, 8));
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlp));
        tlp.Payload[100] ^= 0x10;

        var page = IdeTestPair.Payload(256, 9);
        var before = (byte[])page.Clone();
        var sink = new StoreSink();
        var status = pair.RootPort.ReceiveWrite(tlp, ref sink, new IdeFusedWrite(memory, Page, page));

        Assert.Equal(IdeReceiveStatus.Dropped, status);
        Assert.Equal(before, page);
        Assert.Empty(sink.Verified);
        Assert.Equal(IdeCheckFailure.MacCheckFailed, Assert.Single(sink.Dropped));
        Assert.Equal(1, pair.RootPort.Statistics.MacFailures);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Aggregated_units_and_PCRC_take_the_plain_path(bool pcrc)
    {
        var settings = pcrc ? new IdeStreamSettings { PcrcEnabled = true } : new IdeStreamSettings { PostedAggregation = 2 };
        using var pair = new IdeTestPair(settings);
        using var memory = new MemoryEncryptionKey(DataKey, TweakKey);
        var payloads = new[] { IdeTestPair.Payload(128, 1), IdeTestPair.Payload(128, 2) };
        var tlps = payloads.Select((p, i) => IdeTestPair.MemoryWrite(Page + (ulong)(i * 128), p)).ToArray();
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlps[0], pcrc ? -1 : 128));
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlps[1]));

        var sink = new StoreSink();
        var pages = new[] { new byte[128], new byte[128] };
        for (var i = 0; i < 2; i++)
        {
            pair.RootPort.ReceiveWrite(tlps[i], ref sink, new IdeFusedWrite(memory, Page + (ulong)(i * 128), pages[i]));
        }

        Assert.Equal(2, sink.Verified.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.False(sink.Verified[i].Stored);
            Assert.Equal(payloads[i], sink.Verified[i].Plaintext);
            Assert.Equal(new byte[128], pages[i]); // the consumer stores these itself
        }
    }

    private struct StoreSink() : IIdeReceiveSink
    {
        public List<(byte[] Plaintext, bool Stored)> Verified { get; } = [];

        public List<IdeCheckFailure> Dropped { get; } = [];

        public readonly void OnVerified(in IdeVerifiedSegment segment)
        {
            var plain = new byte[segment.Tlp.Layout.PayloadBytes];
            segment.Decrypt(plain);
            Verified.Add((plain, segment.IsStored));
        }

        public readonly void OnDropped(Tlp tlp, IdeCheckFailure reason) => Dropped.Add(reason);
    }
}
