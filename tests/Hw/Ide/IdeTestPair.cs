using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Tests.Ide;

/// <summary>
/// Two partner streams with independently generated keys for every sub-stream and direction (12 per port pair... here
/// 6 distinct keys: device TX = root port RX and vice versa), programmed, GO'd receivers first, then transmitters, enabled.
/// </summary>
internal sealed class IdeTestPair : IDisposable
{
    public const byte StreamId = 5;

    public IdeTestPair(IdeStreamSettings? settings = null, int seed = 1)
    {
        var random = new Random(seed);
        settings ??= new IdeStreamSettings();
        Device = new IdeStream(StreamId, settings with { RequesterId = 0x0100, PartnerId = 0x0000 });
        RootPort = new IdeStream(StreamId, settings with { RequesterId = 0x0000, PartnerId = 0x0100 });
        for (var ss = 0; ss < 3; ss++)
        {
            DeviceTxKeys[ss] = NewKey(random);
            RootPortTxKeys[ss] = NewKey(random);
            Program(IdeKeySet.K0, ss);
        }

        Go(IdeKeySet.K0);
        Device.Enable();
        RootPort.Enable();
    }

    public IdeStream Device { get; }

    public IdeStream RootPort { get; }

    /// <summary>Keys the device transmits with (the root port receives with), by sub-stream, for the current key set.</summary>
    public byte[][] DeviceTxKeys { get; } = new byte[3][];

    public byte[][] RootPortTxKeys { get; } = new byte[3][];

    public static byte[] NewKey(Random random)
    {
        var k = new byte[32];
        random.NextBytes(k);
        return k;
    }

    public void Program(IdeKeySet set, int ss)
    {
        var s = (IdeSubstream)ss;
        Assert.Equal(IdeKeyStatus.Success, Device.ProgramKey(s, IdeDirection.Transmit, set, DeviceTxKeys[ss]));
        Assert.Equal(IdeKeyStatus.Success, RootPort.ProgramKey(s, IdeDirection.Receive, set, DeviceTxKeys[ss]));
        Assert.Equal(IdeKeyStatus.Success, RootPort.ProgramKey(s, IdeDirection.Transmit, set, RootPortTxKeys[ss]));
        Assert.Equal(IdeKeyStatus.Success, Device.ProgramKey(s, IdeDirection.Receive, set, RootPortTxKeys[ss]));
    }

    /// <summary>GO both receivers, then both transmitters (§6.33.3 order).</summary>
    public void Go(IdeKeySet set)
    {
        for (var ss = 0; ss < 3; ss++)
        {
            Assert.Equal(IdeKeyStatus.Success, Device.SetGo((IdeSubstream)ss, IdeDirection.Receive, set));
            Assert.Equal(IdeKeyStatus.Success, RootPort.SetGo((IdeSubstream)ss, IdeDirection.Receive, set));
        }

        for (var ss = 0; ss < 3; ss++)
        {
            Assert.Equal(IdeKeyStatus.Success, Device.SetGo((IdeSubstream)ss, IdeDirection.Transmit, set));
            Assert.Equal(IdeKeyStatus.Success, RootPort.SetGo((IdeSubstream)ss, IdeDirection.Transmit, set));
        }
    }

    public static Tlp MemoryWrite(ulong address, byte[] payload, ushort requester = 0x0100)
    {
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryWrite(requester, address, payload.Length), payload);
        return tlp;
    }

    public static Tlp MemoryRead(ulong address, int length, ushort tag = 1)
    {
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryRead(0x0100, tag, address, length), default);
        return tlp;
    }

    public static byte[] Payload(int length, int seed)
    {
        var p = new byte[length];
        new Random(seed).NextBytes(p);
        return p;
    }

    public static Tlp Clone(Tlp tlp)
    {
        var copy = new Tlp();
        tlp.CopyTo(copy);
        return copy;
    }

    public void Dispose()
    {
        Device.Dispose();
        RootPort.Dispose();
    }
}

/// <summary>Collects what a receiver releases: decrypted payloads of verified TLPs, and drops.</summary>
internal sealed class CollectingSink : IIdeReceiveSink
{
    public List<(Tlp Tlp, byte[] Plaintext, long Offset, ulong Counter)> Verified { get; } = [];

    public List<(Tlp Tlp, IdeCheckFailure Reason)> Dropped { get; } = [];

    public void OnVerified(in IdeVerifiedSegment segment)
    {
        var plain = new byte[segment.Tlp.Layout.PayloadBytes];
        segment.Decrypt(plain);
        Verified.Add((segment.Tlp, plain, segment.PayloadOffset, segment.InvocationCounter));
    }

    public void OnDropped(Tlp tlp, IdeCheckFailure reason) => Dropped.Add((tlp, reason));
}
