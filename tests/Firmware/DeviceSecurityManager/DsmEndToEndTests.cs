using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Spdm;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Tests.DeviceSecurityManager;

/// <summary>
/// The PSP's side of DEV_CONNECT and TDI_BIND/RUN against the DSM, every message through DOE objects: SPDM session,
/// IDE_KM keys, TDISP lock, chunked report, start; then the events that end it.
/// </summary>
public class DsmEndToEndTests
{
    private static (DsmHarness Harness, SpdmRequester Requester, TdispRequester Tdisp) BindAndRun(int maxReportPortion = 40, ushort chunk = 32)
    {
        var harness = new DsmHarness(maxReportPortion: maxReportPortion);
        var (requester, _) = harness.ConnectAndKey();
        var tdisp = new TdispRequester(requester.Session!, FakeTdispDevice.Tdi, chunk)
            .GetVersion()
            .GetCapabilities()
            .LockInterface(TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, FakeTdispDevice.DefaultStream, 0)
            .GetDeviceInterfaceReport()
            .StartInterface()
            .GetDeviceInterfaceState();
        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(tdisp));
        return (harness, requester, tdisp);
    }

    [Fact]
    public void TrustFlow_ConnectKeyLockReportStart_TdiRunsWithTheReportedRanges()
    {
        var (harness, _, tdisp) = BindAndRun();

        Assert.Equal([TdispHeader.Version10], tdisp.Versions);
        Assert.Equal(TdiState.Run, tdisp.TdiState);
        Assert.Equal(TdiState.Run, harness.Dsm.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.State);
        Assert.Null(tdisp.StartInterfaceNonce);

        // 126-byte report fetched 32 bytes at a time: offsets 0, 32, 64, 96 (the DSM would give up to 40).
        const int finish = 1, ideKm = 1 + 6 + 6, otherTdisp = 5;
        var reportRequests = harness.Log.Count(e => e.Request.Type == DoeDataObjectType.SecuredSpdm) - finish - ideKm - otherTdisp;
        Assert.Equal(4, reportRequests);
        Assert.Equal(126, tdisp.InterfaceReportBytes!.Length);
        var ranges = tdisp.InterfaceReport!.MmioRanges;
        Assert.Equal([0, 0, 0, 0, 2, 4], ranges.Select(r => (int)r.RangeId));
        Assert.Equal(0xF000_0000ul, ranges[0].FirstPage);
        Assert.Equal(TdispMmioRangeAttributes.MsixTable, ranges[1].Attributes);
    }

    [Fact]
    public void TrustFlow_ConfigWriteWhileRun_ForcesErrorAndTheRequesterSeesIt()
    {
        var (harness, requester, _) = BindAndRun();
        var changes = new List<TdiStateChange>();
        harness.Dsm.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.StateChanged += changes.Add;

        harness.Device.Raise(TdiDeviceEvent.ConfigWrite(0x04, 2, 0x0006, 0x0002));

        Assert.Equal(TdiStateChangeCause.ConfigWrite, Assert.Single(changes).Cause);
        var state = new TdispRequester(requester.Session!, FakeTdispDevice.Tdi).GetDeviceInterfaceState();
        harness.Run(state);
        Assert.Equal(TdiState.Error, state.TdiState);
    }

    [Fact]
    public void TrustFlow_SessionEnds_KeysInvalidatedStreamInsecureTdiError()
    {
        var (harness, requester, _) = BindAndRun();

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(requester.CreateEndSessionRequest()));

        Assert.Equal([FakeTdispDevice.DefaultStream], harness.Device.InvalidatedStreams);
        Assert.False(harness.Device.Streams[FakeTdispDevice.DefaultStream].Secure);
        Assert.Equal(TdiState.Error, harness.Dsm.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.State);
    }

    [Fact]
    public void TrustFlow_LockWithWrongStream_RequesterFailsWithTheTdispError()
    {
        var harness = new DsmHarness();
        var (requester, _) = harness.ConnectAndKey();
        var tdisp = new TdispRequester(requester.Session!, FakeTdispDevice.Tdi).LockInterface(TdispLockFlags.None, 2, 0);

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(tdisp));

        Assert.Equal(SpdmFailureReason.TdispError, tdisp.Failure!.Reason);
        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, tdisp.LastError!.ErrorCode);
    }

    [Fact]
    public void Tdisp_OutsideTheSession_GetsNoAnswer()
    {
        var harness = new DsmHarness();
        harness.ConnectAndKey();
        var request = TdispRequester.BuildRequest(new TdispLockInterfaceRequest(FakeTdispDevice.Tdi, 0, 1, 0, 0));

        Assert.Null(harness.Dsm.HandleDoeObject(DoeDataObject.Encode(DoeDataObjectType.Spdm, request)));
        Assert.Equal(TdiState.ConfigUnlocked, harness.Dsm.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.State);
    }

    [Fact]
    public void TdispRequester_ReportChangesBetweenPortions_Fails()
    {
        var harness = new DsmHarness(maxReportPortion: 40);
        var (requester, _) = harness.ConnectAndKey();
        var lockFlow = new TdispRequester(requester.Session!, FakeTdispDevice.Tdi, 64).LockInterface(TdispLockFlags.None, 1, 0);
        harness.Run(lockFlow);

        // The TDI is stopped and locked again (with longer device-specific info) between two portions of a report
        // read: the second portion's offset + portion + remainder no longer adds up to the first one's total.
        var report = new TdispRequester(requester.Session!, FakeTdispDevice.Tdi, 64).GetDeviceInterfaceReport();
        Assert.True(report.TryGetNextRequest(out var first));
        report.Accept(harness.Relay(first));
        harness.Device.DeviceSpecificInfo = new byte[20];
        harness.Run(new TdispRequester(requester.Session!, FakeTdispDevice.Tdi).StopInterface().LockInterface(TdispLockFlags.None, 1, 0));
        Assert.True(report.TryGetNextRequest(out var second));
        report.Accept(harness.Relay(second));

        Assert.Equal(SpdmFlowStatus.Failed, report.Status);
        Assert.Equal(SpdmFailureReason.UnexpectedResponse, report.Failure!.Reason);
    }
}
