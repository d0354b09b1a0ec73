using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Tests.Support;

/// <summary>
/// A TDISP responder on a fake device with the default stream keyed (all six sub-stream keys programmed and armed)
/// by session <see cref="Session"/>, driven with TDISP messages directly (no SPDM around them).
/// </summary>
internal sealed class TdispBench
{
    public const uint Session = 0x0011_0022;

    public TdispBench(int maxReportPortion = 1024, bool keyStream = true)
    {
        IdeKm = new IdeKmResponder(Device, new IdeKmPortIdentity(0, 1, 0), FakeTdispDevice.IdeCapability);
        if (keyStream)
        {
            KeyStream(Session, FakeTdispDevice.DefaultStream);
        }

        Tdisp = new TdispResponder([Device], IdeKm, new TdispResponderOptions { Random = new Random(4), MaxReportPortion = maxReportPortion });
        Tdisp.GetInterface(FakeTdispDevice.Tdi)!.StateChanged += c => Changes.Add(c);
    }

    public FakeTdispDevice Device { get; } = new();

    public IdeKmResponder IdeKm { get; }

    public TdispResponder Tdisp { get; }

    public List<TdiStateChange> Changes { get; } = [];

    public byte[]? Nonce { get; private set; }

    public TdiState State => Tdisp.GetInterface(FakeTdispDevice.Tdi)!.State;

    public void KeyStream(uint session, byte stream)
    {
        foreach (var dir in new[] { IdeKmDirection.Receive, IdeKmDirection.Transmit })
        {
            foreach (var sub in new[] { IdeKmSubStream.PostedRequest, IdeKmSubStream.NonPostedRequest, IdeKmSubStream.Completion })
            {
                var info = new IdeKmKeyInfo(0, dir, sub);
                Assert.NotNull(IdeKm.Handle(session, new IdeKmKeyProg(stream, info, 0, new byte[32], 1).Encode()));
                Assert.NotNull(IdeKm.Handle(session, new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, stream, info, 0).Encode()));
            }
        }
    }

    public TdispMessage Send(TdispMessage request, uint session = Session) => Send(request.Encode(), session);

    public TdispMessage Send(byte[] request, uint session = Session)
    {
        var response = Tdisp.Handle(session, request);
        Assert.NotNull(response);
        var decoded = TdispMessage.Decode(response);
        if (decoded is TdispNonceMessage { MessageType: TdispMessageType.LockInterfaceResponse } n)
        {
            Nonce = n.Nonce;
        }

        return decoded;
    }

    public TdispLockInterfaceRequest LockRequest(
        TdispLockFlags flags = TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate,
        byte stream = FakeTdispDevice.DefaultStream,
        ulong reportingOffset = 0) =>
        new(FakeTdispDevice.Tdi, flags, stream, reportingOffset, 0);

    public TdispMessage Lock(TdispLockFlags flags = TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, ulong reportingOffset = 0) =>
        Send(LockRequest(flags, reportingOffset: reportingOffset));

    public TdispMessage Start(byte[]? nonce = null) =>
        Send(new TdispNonceMessage(TdispMessageType.StartInterfaceRequest, FakeTdispDevice.Tdi, nonce ?? Nonce ?? new byte[32]));

    /// <summary>Brings the TDI to <paramref name="state"/> along the legal path.</summary>
    public void DriveTo(TdiState state)
    {
        if (state == TdiState.ConfigUnlocked)
        {
            return;
        }

        Assert.IsType<TdispNonceMessage>(Lock());
        if (state == TdiState.ConfigLocked)
        {
            return;
        }

        Assert.IsType<TdispHeaderOnlyMessage>(Start());
        if (state == TdiState.Error)
        {
            Device.Raise(TdiDeviceEvent.ConfigWrite(0x10, 4, 0xF000_0004, 0xFFFF_FFFF));
        }

        Assert.Equal(state, State);
    }
}
