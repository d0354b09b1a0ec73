using System.Buffers.Binary;
using System.Security.Cryptography;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Ide;

/// <summary>
/// IDE TLPs checked against <see cref="AesGcm"/> (the platform implementation) computed from the wire bytes alone:
/// the test finds prefix, header, payload and MAC by the spec's wire order, rebuilds AAD and IV, and encrypts itself.
/// </summary>
public sealed class IdeStreamCryptoTests
{
    private const ulong Address = 0x1_2345_6000;

    [Theory]
    [InlineData(4, false)]
    [InlineData(64, false)]
    [InlineData(256, false)]
    [InlineData(4096, false)]
    [InlineData(256, true)]
    [InlineData(60, true)]
    public void Seal_MemoryWrite_WireBytesMatchPlatformAesGcm(int length, bool pcrc)
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PcrcEnabled = pcrc });
        var plaintext = IdeTestPair.Payload(length, 1);

        for (ulong counter = 1; counter <= 3; counter++)
        {
            var tlp = IdeTestPair.MemoryWrite(Address + (counter * 0x1000), plaintext);
            Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlp, teeOriginated: true));
            var wire = tlp.Wire.ToArray();

            // Wire order: IDE prefix (1 DW) ‖ 4-DW header ‖ payload ‖ [PCRC] ‖ MAC (3 DW).
            Assert.Equal(0x92, wire[0]);
            Assert.Equal(IdeTestPair.StreamId, wire[2]);
            Assert.Equal(0x04 | 0x01 | (pcrc ? 0x08 : 0), wire[3]); // PR sub-stream, M, T (and P)
            var aad = wire.AsSpan(0, 20);
            var ct = wire.AsSpan(20, length + (pcrc ? 4 : 0));
            var mac = wire.AsSpan(wire.Length - 12);
            Assert.Equal(20 + length + (pcrc ? 4 : 0) + 12, wire.Length);

            var p = pcrc ? [.. plaintext, .. Crc32Le(plaintext)] : plaintext;
            var expectedCt = new byte[p.Length];
            var expectedTag = new byte[12];
            using var gcm = new AesGcm(pair.DeviceTxKeys[0], 12);
            gcm.Encrypt(Iv(counter), p, expectedCt, expectedTag, aad);
            Assert.Equal(expectedCt, ct.ToArray());
            Assert.Equal(expectedTag, mac.ToArray());

            var sink = new CollectingSink();
            Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(tlp, ref sink));
            Assert.Equal(plaintext, sink.Verified.Single().Plaintext);
            Assert.True(sink.Verified.Single().Tlp.IsTeeOriginated);
        }
    }

    [Theory]
    [InlineData(4, 256, false)]
    [InlineData(2, 512, false)]
    [InlineData(8, 128, true)]
    [InlineData(4, 256, true)]
    public void Seal_AggregatedUnit_OneMacOverConcatenatedAadAndPayloadMatchesPlatformAesGcm(int aggregation, int length, bool pcrc)
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = aggregation, PcrcEnabled = pcrc });
        var payloads = Enumerable.Range(0, aggregation).Select(i => IdeTestPair.Payload(length, i)).ToArray();
        var wires = new List<byte[]>();
        var sink = new CollectingSink();
        for (var i = 0; i < aggregation; i++)
        {
            var tlp = IdeTestPair.MemoryWrite(Address + (ulong)(i * length), payloads[i]);
            var next = i + 1 < aggregation ? length : -1;
            Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(tlp, next));
            wires.Add(tlp.Wire.ToArray());
            var last = i == aggregation - 1;
            Assert.Equal(last, (wires[i][3] & 0x04) != 0); // M only on the last TLP of the unit
            Assert.Equal(last ? IdeReceiveStatus.Verified : IdeReceiveStatus.Buffered, pair.RootPort.Receive(tlp, ref sink));
            if (!last)
            {
                Assert.Empty(sink.Verified); // nothing released before the MAC verified
            }
        }

        // Independent check: A = A1 ‖ … ‖ An, P = P1 ‖ … ‖ Pn [‖ PCRC], one IV (counter 1), one MAC on the last TLP.
        var aad = wires.SelectMany(w => w.Take(20)).ToArray();
        var plain = payloads.SelectMany(p => p).ToArray();
        var p = pcrc ? [.. plain, .. Crc32Le(plain)] : plain;
        var expectedCt = new byte[p.Length];
        var tag = new byte[12];
        using var gcm = new AesGcm(pair.DeviceTxKeys[0], 12);
        gcm.Encrypt(Iv(1), p, expectedCt, tag, aad);

        var actualCt = wires.SelectMany((w, i) => w.Skip(20).Take(length + (i == aggregation - 1 && pcrc ? 4 : 0))).ToArray();
        Assert.Equal(expectedCt, actualCt);
        Assert.Equal(tag, wires[^1].AsSpan(wires[^1].Length - 12).ToArray());

        Assert.Equal(aggregation, sink.Verified.Count);
        for (var i = 0; i < aggregation; i++)
        {
            Assert.Equal(payloads[i], sink.Verified[i].Plaintext);
            Assert.Equal(i * length, sink.Verified[i].Offset);
        }
    }

    [Fact]
    public void Seal_AggregationWithMps512_ClosesUnitsAtOneKiB()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = 4 });
        var macs = 0;
        for (var i = 0; i < 4; i++)
        {
            var tlp = IdeTestPair.MemoryWrite(Address + (ulong)(i * 512), IdeTestPair.Payload(512, i));
            pair.Device.Seal(tlp, i < 3 ? 512 : -1);
            macs += tlp.IdePrefix.MacPresent ? 1 : 0;
        }

        Assert.Equal(2, macs); // x4 configured, but 2 × 512 B fills the 1 KiB unit
    }

    [Fact]
    public void Seal_ReadAndCompletion_UseTheirSubstreamKeysAndCarryPrSentCounters()
    {
        using var pair = new IdeTestPair();
        for (var i = 0; i < 3; i++)
        {
            pair.Device.Seal(IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, i)));
        }

        var read = IdeTestPair.MemoryRead(Address, 256);
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(read));
        var wire = read.Wire.ToArray();
        Assert.Equal(3, wire[1]); // PR_Sent-NPR: three posted TLPs went before this NPR
        Assert.Equal(0x10 | 0x04, wire[3]); // NPR sub-stream, M
        Assert.Equal(20 + 12, wire.Length);

        using var gcm = new AesGcm(pair.DeviceTxKeys[1], 12);
        var tag = new byte[12];
        gcm.Encrypt(Iv(1), [], [], tag, wire.AsSpan(0, 20));
        Assert.Equal(tag, wire.AsSpan(20).ToArray());

        // The completion goes the other way under the root port's CPL key.
        var cpl = new Tlp();
        var data = IdeTestPair.Payload(256, 7);
        cpl.Encode(TlpHeader.CompletionWithData(0x0000, 0x0100, 1, Address, 256, 256), data);
        Assert.Equal(IdeSealStatus.Sealed, pair.RootPort.Seal(cpl));
        var cw = cpl.Wire.ToArray();
        Assert.Equal(0x20 | 0x04, cw[3]);
        using var gcm2 = new AesGcm(pair.RootPortTxKeys[2], 12);
        var ct = new byte[256];
        gcm2.Encrypt(Iv(1), data, ct, tag, cw.AsSpan(0, 16));
        Assert.Equal(ct, cw.AsSpan(16, 256).ToArray());
        Assert.Equal(tag, cw.AsSpan(16 + 256).ToArray());
    }

    [Fact]
    public void Open_SimplePath_DecryptsIntoTheGivenSpan()
    {
        using var pair = new IdeTestPair();
        var plaintext = IdeTestPair.Payload(256, 3);
        var tlp = IdeTestPair.MemoryWrite(Address, plaintext);
        pair.Device.Seal(tlp);
        var destination = new byte[256];
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Open(tlp, destination));
        Assert.Equal(plaintext, destination);
    }

    [Fact]
    public void Receive_VerifiedSegment_SupportsFusedDecryptionByNonceAndOffset()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = 2 });
        var a = IdeTestPair.Payload(256, 1);
        var b = IdeTestPair.Payload(256, 2);
        var sink = new NonceSink();
        var t1 = IdeTestPair.MemoryWrite(Address, a);
        var t2 = IdeTestPair.MemoryWrite(Address + 256, b);
        pair.Device.Seal(t1, 256);
        pair.Device.Seal(t2);
        pair.RootPort.Receive(t1, ref sink);
        pair.RootPort.Receive(t2, ref sink);

        // A consumer that only has (key, nonce, offset, ciphertext) can decrypt each segment on its own: CTR from inc32(J0).
        using var ecb = Aes.Create();
        ecb.Key = pair.DeviceTxKeys[0];
        Assert.Equal(a, CtrDecrypt(ecb, sink.Segments[0].Nonce, sink.Segments[0].Offset, sink.Segments[0].Ciphertext));
        Assert.Equal(b, CtrDecrypt(ecb, sink.Segments[1].Nonce, sink.Segments[1].Offset, sink.Segments[1].Ciphertext));
        Assert.Equal(256, sink.Segments[1].Offset);
    }

    internal static byte[] Iv(ulong counter)
    {
        var iv = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(4), counter);
        return iv;
    }

    /// <summary>CRC-32 (reflected 04C11DB7h, seed FFFFFFFFh, complemented), least significant byte first.</summary>
    internal static byte[] Crc32Le(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1;
            }
        }

        var result = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(result, ~crc);
        return result;
    }

    private static byte[] CtrDecrypt(Aes ecb, byte[] nonce, long offset, byte[] ciphertext)
    {
        var output = new byte[ciphertext.Length];
        var block = new byte[16];
        var ks = new byte[16];
        for (var i = 0; i < ciphertext.Length; i++)
        {
            var pos = offset + i;
            if (i == 0 || pos % 16 == 0)
            {
                nonce.CopyTo(block, 0);
                BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(12), (uint)((pos / 16) + 2));
                ecb.EncryptEcb(block, ks, PaddingMode.None);
            }

            output[i] = (byte)(ciphertext[i] ^ ks[pos % 16]);
        }

        return output;
    }

    private sealed class NonceSink : IIdeReceiveSink
    {
        public List<(byte[] Nonce, long Offset, byte[] Ciphertext)> Segments { get; } = [];

        public void OnVerified(in IdeVerifiedSegment segment)
        {
            var nonce = new byte[12];
            segment.WriteNonce(nonce);
            Segments.Add((nonce, segment.PayloadOffset, segment.Tlp.Payload.ToArray()));
        }

        public void OnDropped(Tlp tlp, IdeCheckFailure reason) => throw new InvalidOperationException($"unexpected drop: {reason}");
    }
}
