using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.DeviceSecurityManager.Binding;
using SevTio.Hw.Ide;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;
using SevTio.TestSupport;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// The adapters that put the DSM firmware on real hardware models: the DOE responder, the IDE key slots onto an
/// <see cref="IdePort"/>, and the TDISP function onto config space and the IDE capability.
/// </summary>
public sealed class DeviceBindingTests
{
    [Fact]
    public void PcieTdispFunction_ReadBars_FromConfigSpace()
    {
        using var device = new TeeIoTestDevice(new Scheduler());

        var bars = device.Function.ReadBars();

        Assert.Equal(
            [new TdiBar(0, TeeIoTestDevice.Bar0, TeeIoTestDevice.Bar0Size, Is64Bit: true), new TdiBar(2, TeeIoTestDevice.Bar2, 0x1000, IsNonTeeMemory: true), new TdiBar(4, TeeIoTestDevice.Bar4, TeeIoTestDevice.Bar4Size, Is64Bit: true, Prefetchable: true)],
            bars);
    }

    [Theory]
    [InlineData(0x04, 0x3, 0x04, 2)]
    [InlineData(0x04, 0xF, 0x04, 4)]
    [InlineData(0x04, 0x4, 0x06, 1)]
    [InlineData(0x10, 0xF, 0x10, 4)]
    public void PcieTdispFunction_ConfigWrite_ReportsTheBytesWritten(int offset, int byteEnables, int expectedOffset, int expectedLength)
    {
        using var device = new TeeIoTestDevice(new Scheduler());
        var events = new List<TdiDeviceEvent>();
        device.Function.DeviceEvent += events.Add;

        device.Config.Write(offset, 0, byteEnables);

        var e = Assert.Single(events);
        Assert.Equal((TdiDeviceEventKind.ConfigWrite, expectedOffset, expectedLength), (e.Kind, e.ConfigOffset, e.ConfigLength));
    }

    [Fact]
    public void PcieTdispFunction_IdeCapabilityIsSecurityRelevant_AndStreamStateIsLive()
    {
        using var device = new TeeIoTestDevice(new Scheduler());
        var ranges = device.Function.SecurityRelevantConfigRanges;
        Assert.Contains(new TdiConfigRange(device.IdeCapabilityOffset, device.Ide.Capability.Size), ranges);

        device.Ide.Capability.StreamControl(0).Write((3u << 24) | (1u << 22));

        Assert.Equal(new TdiIdeStreamConfig(3, Enabled: false, IsDefault: true, TrafficClass: 0, Secure: false), device.Function.ReadIdeStream(3));
        Assert.Null(device.Function.ReadIdeStream(4));
        Assert.Equal(1, device.Function.CountDefaultStreams());
    }

    [Fact]
    public void IdePortKeySlots_ProgramGoEnable_StreamSecure_AndBadValuesRefused()
    {
        using var port = new IdePort("p");
        port.Capability.StreamControl(0).Write(7u << 24);
        var slots = new IdePortKeySlots(port);
        var key = new byte[32];

        Assert.Equal(IdeKmKpAckStatus.UnsupportedValue, slots.ProgramKey(8, IdeKmSubStream.PostedRequest, IdeKmDirection.Receive, 0, key, 1));
        Assert.Equal(IdeKmKpAckStatus.UnsupportedValue, slots.ProgramKey(7, (IdeKmSubStream)5, IdeKmDirection.Receive, 0, key, 1));
        Assert.Equal(IdeKmKpAckStatus.UnsupportedValue, slots.ProgramKey(7, IdeKmSubStream.PostedRequest, IdeKmDirection.Receive, 2, key, 1));
        foreach (var direction in new[] { IdeKmDirection.Receive, IdeKmDirection.Transmit })
        {
            for (var s = 0; s < 3; s++)
            {
                Assert.Equal(IdeKmKpAckStatus.Success, slots.ProgramKey(7, (IdeKmSubStream)s, direction, 1, key, 1));
                Assert.True(slots.Go(7, (IdeKmSubStream)s, direction, 1));
            }
        }

        port.Capability.StreamControl(0).Write((7u << 24) | 1);
        Assert.Equal(IdeStreamState.Secure, port.FindStream(7)!.State);
        Assert.True(slots.Stop(7, IdeKmSubStream.PostedRequest, IdeKmDirection.Receive, 0));

        slots.InvalidateStream(7);
        Assert.Equal(IdeStreamState.Insecure, port.FindStream(7)!.State);
    }

    [Fact]
    public void DsmDoeResponder_BehindTheMailbox_AnswersDiscovery()
    {
        using var device = new TeeIoTestDevice(new Scheduler());
        var request = DoeDataObject.Encode(DoeDataObjectType.Discovery, new DoeDiscoveryRequest(1).Encode());

        var response = device.Responder.Respond(request);

        var header = DoeDataObject.Decode(response!, out var payload);
        Assert.Equal(DoeDataObjectType.Discovery, header.DataObjectType);
        Assert.Equal(new DoeDiscoveryResponse(DoeDataObjectHeader.PciSigVendorId, DoeDataObjectType.Spdm, 2), DoeDiscoveryResponse.Decode(payload));
        Assert.Equal([Hw.Doe.DoeProtocol.Discovery, Hw.Doe.DoeProtocol.CmaSpdm, Hw.Doe.DoeProtocol.SecuredCmaSpdm], device.Responder.Protocols);
    }
}
