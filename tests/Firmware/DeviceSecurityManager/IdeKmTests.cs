using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Spdm;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Tests.DeviceSecurityManager;

/// <summary>IDE_KM inside the SPDM session: key slots filled in the reference's byte order, and the no-answer rules.</summary>
public class IdeKmTests
{
    private static readonly IdeKmKeyInfo s_rxPr = new(0, IdeKmDirection.Receive, IdeKmSubStream.PostedRequest);

    [Fact]
    public void KeyProgramming_FullSetup_FillsAndArmsEverySlotWithTheSentKeys()
    {
        var harness = new DsmHarness();

        var (_, keys) = harness.ConnectAndKey();

        Assert.Equal(6, harness.Device.Slots.Count);
        foreach (var (info, key) in keys)
        {
            var slot = harness.Device.Slots[(FakeTdispDevice.DefaultStream, info.SubStream, info.Direction, 0)];
            Assert.Equal(key, slot.Key);
            Assert.Equal(1ul, slot.Counter);
        }

        Assert.Equal(6, harness.Device.Armed.Count);
        Assert.True(harness.Dsm.IdeKm.TryGetStreamKeying(FakeTdispDevice.DefaultStream, out _, out var armed));
        Assert.True(armed);
    }

    [Fact]
    public void Query_ReturnsPortIdentityAndTheCapabilityCopy()
    {
        var harness = new DsmHarness();
        var flow = new IdeKmRequester(harness.Connect().Session!).Query(0);

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(flow));

        var r = flow.QueryResponse!;
        Assert.Equal((0, 0x00, 0x01, 0x00, 0), (r.PortIndex, r.DevFunc, r.Bus, r.Segment, r.MaxPortIndex));
        Assert.Equal(FakeTdispDevice.IdeCapability(), r.IdeCapability);
        Assert.Equal(0, r.SupportedAlgorithms);
    }

    [Fact]
    public void KeyProg_PortIndexBeyondMax_AcksUnsupportedPortIndex()
    {
        var harness = new DsmHarness();
        var flow = new IdeKmRequester(harness.Connect().Session!).KeyProg(1, s_rxPr, new byte[32], portIndex: 1);

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(flow));
        Assert.Equal(SpdmFailureReason.KeyProgrammingRejected, flow.Failure!.Reason);
        Assert.Equal(IdeKmKpAckStatus.UnsupportedPortIndex, flow.LastKpAckStatus);
        Assert.Empty(harness.Device.Slots);
    }

    [Fact]
    public void KeyProg_InvalidSubStreamOrStream_AcksUnsupportedValue()
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        var badSub = new IdeKmRequester(session).KeyProg(1, new IdeKmKeyInfo(0, IdeKmDirection.Receive, (IdeKmSubStream)3), new byte[32]);
        var badStream = new IdeKmRequester(session).KeyProg(200, s_rxPr, new byte[32]);

        harness.Run(badSub);
        harness.Run(badStream);

        Assert.Equal(IdeKmKpAckStatus.UnsupportedValue, badSub.LastKpAckStatus);
        Assert.Equal(IdeKmKpAckStatus.UnsupportedValue, badStream.LastKpAckStatus);
    }

    [Fact]
    public void IdeKm_OutsideTheSession_GetsNoAnswer()
    {
        var harness = new DsmHarness();
        harness.Connect();
        var plain = IdeKmRequester.BuildRequest(new IdeKmKeyProg(1, s_rxPr, 0, new byte[32], 1));

        Assert.Null(harness.Dsm.HandleDoeObject(DoeDataObject.Encode(DoeDataObjectType.Spdm, plain)));
        Assert.Null(harness.Dsm.HandleDoeObject(DoeDataObject.Encode(DoeDataObjectType.Spdm, IdeKmRequester.BuildRequest(new IdeKmQuery(0)))));
        Assert.Empty(harness.Device.Slots);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void KeyProg_WrongSize_GetsNoAnswerAndTheSessionStaysInStep(int delta)
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        var keyProg = new IdeKmKeyProg(1, s_rxPr, 0, new byte[32], 1).Encode();
        var resized = delta < 0 ? keyProg[..^1] : [.. keyProg, 0];
        var flow = new RawSpdmFlow(session, PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, resized));

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(flow));
        Assert.Equal(SpdmFailureReason.NoResponse, flow.Failure!.Reason);
        Assert.Empty(harness.Device.Slots);

        // No answer consumed no response sequence number: the next exchange still authenticates.
        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(new IdeKmRequester(session).Query()));
    }

    [Fact]
    public void KSetGo_KeySetNeverProgrammed_GetsNoAck()
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        harness.Run(new IdeKmRequester(session).KeyProg(1, s_rxPr, new byte[32]));

        var flow = new IdeKmRequester(session).KeySetGo(1, s_rxPr with { KeySet = 1 });

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(flow));
        Assert.Equal(SpdmFailureReason.NoResponse, flow.Failure!.Reason);
        Assert.Empty(harness.Device.Armed);
    }

    [Fact]
    public void KSetStop_DestroysTheKeySet()
    {
        var harness = new DsmHarness();
        var (requester, _) = harness.ConnectAndKey();

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(new IdeKmRequester(requester.Session!).KeySetStop(FakeTdispDevice.DefaultStream, s_rxPr)));

        Assert.False(harness.Device.Slots.ContainsKey((FakeTdispDevice.DefaultStream, IdeKmSubStream.PostedRequest, IdeKmDirection.Receive, 0)));
        Assert.True(harness.Dsm.IdeKm.TryGetStreamKeying(FakeTdispDevice.DefaultStream, out _, out var allArmed));
        Assert.False(allArmed);
    }

    [Fact]
    public void Responder_RequestFromAnotherSession_IsDropped()
    {
        var device = new FakeTdispDevice();
        var ideKm = new IdeKmResponder(device, new IdeKmPortIdentity(0, 1, 0), FakeTdispDevice.IdeCapability);
        Assert.NotNull(ideKm.Handle(0x0001_0001, new IdeKmKeyProg(1, s_rxPr, 0, new byte[32], 1).Encode()));

        Assert.Null(ideKm.Handle(0x0002_0002, new IdeKmKeyProg(1, s_rxPr with { KeySet = 1 }, 0, new byte[32], 1).Encode()));
        Assert.Null(ideKm.Handle(0x0002_0002, new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, 1, s_rxPr, 0).Encode()));
        Assert.NotNull(ideKm.Handle(0x0001_0001, new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, 1, s_rxPr, 0).Encode()));
    }

    [Fact]
    public void Responder_ResponseObjectsAndNoSession_AreNotAnswered()
    {
        var ideKm = new IdeKmResponder(new FakeTdispDevice(), new IdeKmPortIdentity(0, 1, 0), FakeTdispDevice.IdeCapability);

        Assert.Null(ideKm.Handle(null, new IdeKmQuery(0).Encode()));
        Assert.Null(ideKm.Handle(1, new IdeKmKpAck(1, 0, s_rxPr, 0).Encode()));
        Assert.Null(ideKm.Handle(1, new IdeKmKeySetMessage(IdeKmObjectId.KGoStopAck, 1, s_rxPr, 0).Encode()));
        Assert.Null(ideKm.Handle(1, new IdeKmQuery(1).Encode()));
        Assert.Null(ideKm.Handle(1, []));
    }

    [Fact]
    public void Responder_SessionEnded_InvalidatesOnlyItsStreams()
    {
        var device = new FakeTdispDevice();
        var ideKm = new IdeKmResponder(device, new IdeKmPortIdentity(0, 1, 0), FakeTdispDevice.IdeCapability);
        ideKm.Handle(1, new IdeKmKeyProg(1, s_rxPr, 0, new byte[32], 1).Encode());
        ideKm.Handle(2, new IdeKmKeyProg(2, s_rxPr, 0, new byte[32], 1).Encode());

        ideKm.OnSessionEnded(1);

        Assert.Equal([1], device.InvalidatedStreams);
        Assert.False(ideKm.TryGetStreamKeying(1, out _, out _));
        Assert.True(ideKm.TryGetStreamKeying(2, out var owner, out _));
        Assert.Equal(2u, owner);
    }

    /// <summary>Sends one arbitrary SPDM request inside the session and keeps the plaintext response.</summary>
    private sealed class RawSpdmFlow(SpdmSession session, byte[] request) : SpdmSessionFlow(session)
    {
        private bool _sent;

        public byte[]? Response { get; private set; }

        protected override bool HasWork => !_sent;

        protected override byte[] BuildNextRequest()
        {
            _sent = true;
            return request;
        }

        protected override void HandleResponse(byte[] message) => Response = message;
    }
}
