using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Ide;

/// <summary>
/// Attacks on the data path: each must be detected, must leave the stream Insecure, and must commit nothing
/// (no verified payload released to the consumer).
/// </summary>
public sealed class IdeStreamSecurityTests
{
    private const ulong Address = 0x2_0000_0000;

    public static TheoryData<int> TamperPositions()
    {
        // Every byte of a 64-byte MWr with IDE: prefix 0-3, header 4-19, payload 20-83, MAC 84-95; bit (pos % 8) flipped.
        var data = new TheoryData<int>();
        for (var pos = 0; pos < 96; pos++)
        {
            data.Add(pos);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TamperPositions))]
    public void Receive_OneBitFlippedAnywhere_DetectedStreamInsecureNothingCommitted(int position)
    {
        using var pair = new IdeTestPair();
        var port = new IdePortHarness(pair.RootPort);
        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        pair.Device.Seal(tlp);
        var next = IdeTestPair.MemoryWrite(Address + 64, IdeTestPair.Payload(64, 2));
        pair.Device.Seal(next);
        Assert.Equal(96, tlp.Length);

        tlp.Wire[position] ^= (byte)(1 << (position % 8));
        port.Deliver(tlp);
        port.Deliver(next);

        // Detected at the latest with the following TLP (a flipped Stream ID is first dropped as Misrouted, then the
        // receiver's counter no longer matches), and the stream is Insecure.
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
        Assert.Empty(port.Sink.Verified);
        Assert.NotNull(pair.RootPort.FirstError);
    }

    [Fact]
    public void Receive_Replay_DetectedStreamInsecure()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(256, 1));
        pair.Device.Seal(tlp);
        var replay = IdeTestPair.Clone(tlp);
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(tlp, ref sink));
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(replay, ref sink));
        Assert.Single(sink.Verified);
        Assert.Equal(IdeCheckFailure.MacCheckFailed, sink.Dropped.Single().Reason);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
        Assert.Equal(IdeErrors.IdeCheckFailedBit, pair.RootPort.FirstError!.AerBit);
    }

    [Fact]
    public void Receive_ReorderWithinSubstream_DetectedNothingCommitted()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var first = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        var second = IdeTestPair.MemoryWrite(Address + 64, IdeTestPair.Payload(64, 2));
        pair.Device.Seal(first);
        pair.Device.Seal(second);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(second, ref sink));
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(first, ref sink));
        Assert.Empty(sink.Verified);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_ReadPassingPostedWrites_CounterUnderflowDetected()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var write = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        var read = IdeTestPair.MemoryRead(Address, 64);
        pair.Device.Seal(write);
        pair.Device.Seal(read);
        Assert.Equal(1, read.IdePrefix.PrSentCounter);

        // The NPR arrives before the posted write it must not pass (reordering across sub-streams).
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(read, ref sink));
        Assert.Equal(IdeCheckFailure.CounterUnderflow, sink.Dropped.Single().Reason);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(write, ref sink));
        Assert.Empty(sink.Verified);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_ReadAfterPostedWrites_InOrderIsAccepted()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var write = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        var read = IdeTestPair.MemoryRead(Address, 64);
        pair.Device.Seal(write);
        pair.Device.Seal(read);
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(write, ref sink));
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(read, ref sink));
        Assert.Equal((0UL, 1UL), pair.RootPort.PrReceivedCounters);
        Assert.Equal(IdeStreamState.Secure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_DroppedTlp_NextTlpFailsMacStreamInsecure()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var lost = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        var next = IdeTestPair.MemoryWrite(Address + 64, IdeTestPair.Payload(64, 2));
        pair.Device.Seal(lost);
        pair.Device.Seal(next);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(next, ref sink));
        Assert.Equal(IdeCheckFailure.MacCheckFailed, sink.Dropped.Single().Reason);
        Assert.Empty(sink.Verified);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_TamperedAggregatedUnit_NoTlpOfTheUnitReleased()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = 4 });
        var sink = new CollectingSink();
        var tlps = Enumerable.Range(0, 4).Select(i => IdeTestPair.MemoryWrite(Address + (ulong)(i * 256), IdeTestPair.Payload(256, i))).ToArray();
        for (var i = 0; i < 4; i++)
        {
            pair.Device.Seal(tlps[i], i < 3 ? 256 : -1);
        }

        tlps[1].Payload[10] ^= 0x40;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(IdeReceiveStatus.Buffered, pair.RootPort.Receive(tlps[i], ref sink));
        }

        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(tlps[3], ref sink));
        Assert.Empty(sink.Verified);
        Assert.Equal(4, sink.Dropped.Count);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_KeyToggledMidUnit_AggregationViolationDetected()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { PostedAggregation = 2 });
        var sink = new CollectingSink();
        var first = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        var second = IdeTestPair.MemoryWrite(Address + 64, IdeTestPair.Payload(64, 2));
        pair.Device.Seal(first, 64);
        pair.Device.Seal(second);
        second.Wire[3] ^= 0x02; // K
        second.Parse();
        Assert.Equal(IdeReceiveStatus.Buffered, pair.RootPort.Receive(first, ref sink));
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(second, ref sink));
        Assert.Equal(IdeCheckFailure.KeyToggledMidUnit, sink.Dropped[^1].Reason);
        Assert.Empty(sink.Verified);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_WrongKeySet_DetectedStreamInsecure()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();

        // The device's transmitter moves to K1, but the root port's receiver never armed K1.
        var random = new Random(5);
        for (var ss = 0; ss < 3; ss++)
        {
            pair.Device.ProgramKey((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K1, IdeTestPair.NewKey(random));
            pair.Device.SetGo((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K1);
        }

        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        pair.Device.Seal(tlp);
        Assert.Equal(1, tlp.IdePrefix.KeySet);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(tlp, ref sink));
        Assert.Equal(IdeCheckFailure.KeySetNotArmed, sink.Dropped.Single().Reason);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Receive_WrongKey_MacFailure()
    {
        using var pair = new IdeTestPair(seed: 1);
        using var other = new IdeTestPair(seed: 2);
        var sink = new CollectingSink();
        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        other.Device.Seal(tlp);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(tlp, ref sink));
        Assert.Equal(IdeCheckFailure.MacCheckFailed, sink.Dropped.Single().Reason);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void PortReceive_UnknownStreamId_MisroutedReportedStreamStaysSecure()
    {
        using var pair = new IdeTestPair();
        using var port = IdePortHarness.PortWithStream(7, out var rpStream, pair);
        var sink = new CollectingSink();
        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        pair.Device.Seal(tlp); // stream 5, but the port only has stream 7
        Assert.Equal(IdeReceiveStatus.Dropped, port.Receive(tlp, ref sink));
        Assert.Equal(IdeCheckFailure.Misrouted, sink.Dropped.Single().Reason);
        Assert.Equal(1u << IdeErrors.MisroutedIdeTlpBit, port.AerUncorrectableStatus);
        Assert.Equal(IdeStreamState.Secure, rpStream.State);
    }

    [Fact]
    public void PortReceive_DisallowedTypeOnStream_CheckFailed()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();

        // Forge an IDE prefix onto a type-0 configuration read (never allowed on a Selective stream).
        var cfg = new Tlp();
        var header = new TlpHeader { Type = TlpType.ConfigRead0, LengthDw = 1, FirstBe = 0xF, RequesterId = 0x100 };
        Span<byte> bytes = stackalloc byte[4 + 12 + 12];
        new IdePrefix(IdeTestPair.StreamId, 1, 0, false, true, 0, false).Write(bytes);
        TlpCodec.EncodeHeader(header, bytes[4..]);
        cfg.Load(bytes);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(cfg, ref sink));
        Assert.Equal(IdeCheckFailure.DisallowedType, sink.Dropped.Single().Reason);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);
    }

    [Fact]
    public void Insecure_TransmitOnEnabledInsecureStream_NeverSentInClear()
    {
        using var pair = new IdeTestPair();
        var failRequests = 0;
        var insecure = new List<IdeCheckFailure>();
        pair.RootPort.FailMessageRequired += _ => failRequests++;
        pair.RootPort.BecameInsecure += (_, reason) => insecure.Add(reason);
        var sink = new CollectingSink();
        var tlp = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        pair.Device.Seal(tlp);
        tlp.Payload[0] ^= 1;
        pair.RootPort.Receive(tlp, ref sink);

        Assert.Equal(1, failRequests);
        Assert.Equal([IdeCheckFailure.MacCheckFailed], insecure);

        // The root port's own transmitter refuses to send anything on the stream now.
        var outbound = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 2));
        var before = outbound.Wire.ToArray();
        Assert.Equal(IdeSealStatus.Dropped, pair.RootPort.Seal(outbound));
        Assert.Equal(before, outbound.Wire.ToArray());

        // Later IDE TLPs are dropped without a second log entry or Fail message.
        var later = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 3));
        pair.Device.Seal(later);
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(later, ref sink));
        Assert.Equal(1, failRequests);
        Assert.Equal(IdeCheckFailure.MacCheckFailed, pair.RootPort.FirstError!.Reason);

        // The Fail message goes out as a non-IDE TLP; the partner goes Insecure without answering.
        var fail = new Tlp();
        pair.RootPort.WriteFailMessage(fail);
        Assert.False(fail.IsIde);
        Assert.Equal(MessageCode.IdeFail, fail.Header.MessageCode);
        var deviceFails = 0;
        pair.Device.FailMessageRequired += _ => deviceFails++;
        pair.Device.OnFailMessageReceived();
        Assert.Equal(IdeStreamState.Insecure, pair.Device.State);
        Assert.True(pair.Device.ReceivedFailMessage);
        Assert.Equal(0, deviceFails);
    }

    [Fact]
    public void Insecure_Recovery_DisableNewKeysEnableReturnsToSecure()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var bad = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 1));
        pair.Device.Seal(bad);
        bad.Payload[0] ^= 1;
        pair.RootPort.Receive(bad, ref sink);
        Assert.Equal(IdeStreamState.Insecure, pair.RootPort.State);

        pair.Device.Disable();
        pair.RootPort.Disable();
        for (var ss = 0; ss < 3; ss++)
        {
            pair.Program(IdeKeySet.K0, ss);
        }

        pair.Go(IdeKeySet.K0);
        pair.Device.Enable();
        pair.RootPort.Enable();
        Assert.Equal(IdeStreamState.Secure, pair.RootPort.State);
        var good = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(64, 2));
        pair.Device.Seal(good);
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(good, ref sink));
    }

    [Fact]
    public void KeyRefresh_MidStreamWithTlpsInFlight_NoTlpLostOldSetRetired()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        var inFlight = new Queue<Tlp>();
        var sent = new List<byte[]>();
        void Send(int i)
        {
            var payload = IdeTestPair.Payload(128, i);
            sent.Add(payload);
            var t = IdeTestPair.MemoryWrite(Address + (ulong)(i * 128), payload);
            Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(t));
            inFlight.Enqueue(t);
        }

        for (var i = 0; i < 5; i++)
        {
            Send(i);
        }

        pair.RootPort.Receive(inFlight.Dequeue(), ref sink);

        // Refresh: program K1 at both ends, GO receivers, then transmitters, while K0 TLPs are still on the wire.
        var random = new Random(77);
        for (var ss = 0; ss < 3; ss++)
        {
            pair.DeviceTxKeys[ss] = IdeTestPair.NewKey(random);
            pair.RootPortTxKeys[ss] = IdeTestPair.NewKey(random);
            pair.Program(IdeKeySet.K1, ss);
        }

        pair.Go(IdeKeySet.K1);
        Assert.Equal(IdeStreamState.Secure, pair.RootPort.State);
        for (var i = 5; i < 10; i++)
        {
            Send(i);
        }

        var kept = IdeTestPair.Clone(inFlight.Peek()); // a K0 TLP an attacker could replay later
        while (inFlight.Count > 0)
        {
            Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(inFlight.Dequeue(), ref sink));
        }

        Assert.Equal(sent, sink.Verified.Select(v => v.Plaintext).ToList());
        Assert.Equal(IdeKeySet.K1, pair.RootPort.GetReceiveKeySet(IdeSubstream.Posted));
        Assert.Equal((false, false), pair.RootPort.GetKeyState(IdeSubstream.Posted, IdeDirection.Receive, IdeKeySet.K0));
        Assert.Equal(1, pair.RootPort.Statistics.KeySetSwitches);

        // After the switch the old set is gone: its TLPs are rejected.
        Assert.Equal(IdeReceiveStatus.Dropped, pair.RootPort.Receive(kept, ref sink));
        Assert.Equal(IdeCheckFailure.KeySetNotArmed, sink.Dropped.Single().Reason);
    }

    [Fact]
    public void KeyRefreshNeeded_CounterLimitReached_RaisedOnce()
    {
        using var pair = new IdeTestPair(new IdeStreamSettings { KeyRefreshCounterLimit = 4 });
        var raised = new List<(IdeSubstream, IdeKeySet)>();
        pair.Device.KeyRefreshNeeded += (_, ss, k) => raised.Add((ss, k));
        for (var i = 0; i < 6; i++)
        {
            pair.Device.Seal(IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(16, i)));
        }

        Assert.Equal([(IdeSubstream.Posted, IdeKeySet.K0)], raised);
    }

    [Fact]
    public void Sync_After245PostedTlps_SentAndAcceptedCountersReset()
    {
        using var pair = new IdeTestPair();
        var sink = new CollectingSink();
        for (var i = 0; i < IdeStream.SyncThreshold; i++)
        {
            var t = IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(4, i));
            Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(t));
            pair.RootPort.Receive(t, ref sink);
        }

        Assert.True(pair.Device.SyncPending);
        var sync = new Tlp();
        Assert.Equal(IdeSealStatus.Sealed, pair.Device.SealSync(sync));
        Assert.False(pair.Device.SyncPending);
        Assert.Equal(MessageCode.IdeSync, sync.Header.MessageCode);
        Assert.Equal(MessageRouting.ById, sync.Header.Routing);
        Assert.Equal((0, 0), pair.Device.PrSentCounters);
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(sync, ref sink));
        Assert.Equal((0UL, 0UL), pair.RootPort.PrReceivedCounters);
        Assert.Equal(1, pair.RootPort.Statistics.SyncMessagesReceived);

        var read = IdeTestPair.MemoryRead(Address, 64);
        pair.Device.Seal(read);
        Assert.Equal(0, read.IdePrefix.PrSentCounter);
        Assert.Equal(IdeReceiveStatus.Verified, pair.RootPort.Receive(read, ref sink));
        Assert.Equal(IdeStreamState.Secure, pair.RootPort.State);
    }

    [Fact]
    public void Seal_PostedWhenCounterAt255_RequiresSyncFirst()
    {
        using var pair = new IdeTestPair();
        for (var i = 0; i < 255; i++)
        {
            Assert.Equal(IdeSealStatus.Sealed, pair.Device.Seal(IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(4, i))));
        }

        Assert.Equal(IdeSealStatus.SyncRequired, pair.Device.Seal(IdeTestPair.MemoryWrite(Address, IdeTestPair.Payload(4, 0))));
    }

    [Fact]
    public void Seal_NotAllowedTypes_Untouched()
    {
        using var pair = new IdeTestPair();
        var io = new Tlp();
        io.Encode(new TlpHeader { Type = TlpType.IoRead, LengthDw = 1, FirstBe = 0xF, Address = 0x100 }, default);
        Assert.Equal(IdeSealStatus.NotAllowed, pair.Device.Seal(io));
        Assert.False(io.IsIde);
    }
}

/// <summary>Delivers tampered packets the way a port would: re-parse the bytes; a malformed IDE TLP is reported as such.</summary>
internal sealed class IdePortHarness(IdeStream stream)
{
    public CollectingSink Sink { get; } = new();

    public void Deliver(Tlp tlp)
    {
        try
        {
            tlp.Parse();
        }
        catch (TlpFormatException)
        {
            if (tlp.Wire.Length >= 4 && tlp.Wire[0] == IdePrefix.PrefixByte0 && tlp.Wire[2] == stream.StreamId)
            {
                stream.ForceInsecure(IdeCheckFailure.MalformedTlp);
            }

            return;
        }

        if (tlp.IsIde && tlp.IdePrefix.StreamId != stream.StreamId)
        {
            // Misrouted: no stream here; dropped and reported, the stream is unaffected.
            return;
        }

        var sink = Sink;
        stream.Receive(tlp, ref sink);
    }

    public static IdePort PortWithStream(byte streamId, out IdeStream stream, IdeTestPair pair)
    {
        var port = new IdePort("rp");
        var ctl = port.Capability.StreamControl(0);
        ctl.Write((uint)streamId << 24);
        var key = new Random(3);
        for (var ss = 0; ss < 3; ss++)
        {
            foreach (var dir in new[] { IdeDirection.Receive, IdeDirection.Transmit })
            {
                Assert.Equal(IdeKeyStatus.Success, port.KeyProgram(streamId, (IdeSubstream)ss, dir, IdeKeySet.K0, IdeTestPair.NewKey(key)));
                Assert.Equal(IdeKeyStatus.Success, port.KeySetGo(streamId, (IdeSubstream)ss, dir, IdeKeySet.K0));
            }
        }

        ctl.Write(((uint)streamId << 24) | 1);
        stream = port.Streams[0];
        Assert.Equal(IdeStreamState.Secure, stream.State);
        _ = pair;
        return port;
    }
}
