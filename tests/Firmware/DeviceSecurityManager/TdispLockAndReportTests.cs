using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Tests.DeviceSecurityManager;

/// <summary>LOCK_INTERFACE checks (PCIe §11.3.8) and the interface report built from the device's BARs (§11.3.11).</summary>
public class TdispLockAndReportTests
{
    private static TdispErrorCode LockError(TdispBench bench, TdispLockInterfaceRequest? request = null, uint session = TdispBench.Session)
    {
        var error = Assert.IsType<TdispErrorResponse>(bench.Send(request ?? bench.LockRequest(), session));
        Assert.Equal(TdiState.ConfigUnlocked, bench.State);
        return error.ErrorCode;
    }

    [Fact]
    public void Lock_StreamThatIsNotDefault_Refused()
    {
        var bench = new TdispBench();
        bench.KeyStream(TdispBench.Session, 2);

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench, bench.LockRequest(stream: 2)));
    }

    [Fact]
    public void Lock_UnknownStream_Refused()
    {
        var bench = new TdispBench();

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench, bench.LockRequest(stream: 6)));
    }

    [Fact]
    public void Lock_DefaultStreamNotOnTc0_Refused()
    {
        var bench = new TdispBench();
        bench.Device.Streams[1] = bench.Device.Streams[1] with { TrafficClass = 2 };

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_TwoDefaultStreams_Refused()
    {
        var bench = new TdispBench();
        bench.Device.Streams[2] = bench.Device.Streams[2] with { IsDefault = true, TrafficClass = 0 };

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_StreamWithoutKeys_Refused()
    {
        var bench = new TdispBench(keyStream: false);

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_StreamMissingOneSubStreamKey_Refused()
    {
        var bench = new TdispBench();
        var info = new SevTio.Protocols.IdeKm.IdeKmKeyInfo(0, SevTio.Protocols.IdeKm.IdeKmDirection.Transmit, SevTio.Protocols.IdeKm.IdeKmSubStream.Completion);
        Assert.NotNull(bench.IdeKm.Handle(TdispBench.Session, new SevTio.Protocols.IdeKm.IdeKmKeySetMessage(SevTio.Protocols.IdeKm.IdeKmObjectId.KSetStop, 1, info, 0).Encode()));

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_StreamKeyedOnAnotherSession_Refused()
    {
        var bench = new TdispBench();

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench, session: 0x0099_0099));
    }

    [Theory]
    [InlineData(TdiConfigurationIssues.PhantomFunctionsEnabled)]
    [InlineData(TdiConfigurationIssues.InvalidResizableBar)]
    [InlineData(TdiConfigurationIssues.InvalidCacheLineSize)]
    public void Lock_DeviceConfigurationIssue_Refused(TdiConfigurationIssues issue)
    {
        var bench = new TdispBench();
        bench.Device.Issues = issue;

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_OverlappingBars_Refused()
    {
        var bench = new TdispBench();
        bench.Device.Bars[1] = bench.Device.Bars[1] with { Base = 0xF000_F000 };

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_RomBarOverlappingABar_Refused()
    {
        var bench = new TdispBench();
        bench.Device.Bars.Add(new TdiBar(6, 0x40_0008_0000, 0x1_0000, IsExpansionRom: true));

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
    }

    [Fact]
    public void Lock_MsixTableNotOnAPageBoundary_RefusedOnlyWhenLockingMsix()
    {
        var bench = new TdispBench();
        bench.Device.Msix = bench.Device.Msix!.Value with { TableOffset = 0x8100 };

        Assert.Equal(TdispErrorCode.InvalidDeviceConfiguration, LockError(bench));
        Assert.IsType<TdispNonceMessage>(bench.Lock(TdispLockFlags.None));
    }

    [Fact]
    public void Lock_BindP2pFlag_RefusedAsInvalidRequest()
    {
        var bench = new TdispBench();

        Assert.Equal(TdispErrorCode.InvalidRequest, LockError(bench, bench.LockRequest(TdispLockFlags.BindP2p)));
    }

    [Fact]
    public void Report_LockedWithMsix_RangesFromTheBarsWithReportingOffset()
    {
        var bench = new TdispBench();
        const ulong offset = 0x1_0000_0000;
        bench.Lock(TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, offset);

        var report = FetchReport(bench);

        // BAR0 64 KiB at 0xF000_0000 split around the MSI-X table (page 0x8000) and PBA (page 0x9000); BAR2 the
        // non-TEE doorbell page; BAR4 1 MiB. FIRST_PAGE = BAR base + offset in BAR + reporting offset.
        TdispMmioRange[] expected =
        [
            new(0xF000_0000 + offset, 8, TdispMmioRangeAttributes.None, 0),
            new(0xF000_8000 + offset, 1, TdispMmioRangeAttributes.MsixTable, 0),
            new(0xF000_9000 + offset, 1, TdispMmioRangeAttributes.MsixPba, 0),
            new(0xF000_A000 + offset, 6, TdispMmioRangeAttributes.None, 0),
            new(0xF010_0000 + offset, 1, TdispMmioRangeAttributes.IsNonTeeMem, 2),
            new(0x40_0000_0000 + offset, 256, TdispMmioRangeAttributes.None, 4),
        ];
        Assert.Equal(expected, report.MmioRanges);
        Assert.Equal(TdispInterfaceInfo.NoFwUpdate | TdispInterfaceInfo.DmaWithoutPasid, report.InterfaceInfo);
        Assert.Equal(0x801F, report.MsixMessageControl);
        Assert.Equal("sevtio-dev"u8.ToArray(), report.DeviceSpecificInfo);
    }

    [Fact]
    public void Report_MsixNotLocked_TableAndPbaAreNonTeeAndControlIsZero()
    {
        var bench = new TdispBench();
        bench.Lock(TdispLockFlags.None);

        var report = FetchReport(bench);

        Assert.Equal(TdispMmioRangeAttributes.IsNonTeeMem, report.MmioRanges[1].Attributes);
        Assert.Equal(TdispMmioRangeAttributes.IsNonTeeMem, report.MmioRanges[2].Attributes);
        Assert.Equal(0, report.MsixMessageControl);
        Assert.Equal(TdispInterfaceInfo.DmaWithoutPasid, report.InterfaceInfo);
    }

    [Fact]
    public void Report_NegativeReportingOffset_WrapsAsTwosComplement()
    {
        var bench = new TdispBench();
        bench.Lock(TdispLockFlags.LockMsix, unchecked((ulong)-0xF000_0000L));

        Assert.Equal(0ul, FetchReport(bench).MmioRanges[0].FirstPage);
    }

    [Fact]
    public void Report_InChunks_PortionsAndRemaindersAddUp()
    {
        var bench = new TdispBench(maxReportPortion: 40);
        bench.Lock();
        var whole = new List<byte>();
        var expected = new[] { (40, 86), (40, 46), (40, 6), (6, 0) };

        foreach (var (portion, remainder) in expected)
        {
            var chunk = Assert.IsType<TdispDeviceInterfaceReportResponse>(
                bench.Send(new TdispGetDeviceInterfaceReport(FakeTdispDevice.Tdi, (ushort)whole.Count, 0xFFFF)));
            Assert.Equal(portion, chunk.Portion.Length);
            Assert.Equal(remainder, chunk.RemainderLength);
            whole.AddRange(chunk.Portion);
        }

        // 16-byte header, 6 ranges of 16, DEVICE_SPECIFIC_INFO_LEN and 10 bytes = 126.
        Assert.Equal(126, whole.Count);
        Assert.Equal(6, TdispDeviceInterfaceReport.Decode(whole.ToArray()).MmioRanges.Count);
    }

    [Fact]
    public void Report_OffsetBeyondTheReport_AnswersInvalidRequest()
    {
        var bench = new TdispBench();
        bench.Lock();

        var error = Assert.IsType<TdispErrorResponse>(bench.Send(new TdispGetDeviceInterfaceReport(FakeTdispDevice.Tdi, 126, 16)));

        Assert.Equal(TdispErrorCode.InvalidRequest, error.ErrorCode);
    }

    [Fact]
    public void SecurityState_Locked_ExposesBoundStreamFlagsAndTeeRanges()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Run);
        var state = bench.Tdisp.GetInterface(FakeTdispDevice.Tdi)!;

        Assert.Equal(FakeTdispDevice.DefaultStream, state.BoundStreamId);
        Assert.Equal(TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, state.LockFlags);
        Assert.True(state.IsTeeMmio(0, 0x100));
        Assert.True(state.IsTeeMmio(0, 0x8000));
        Assert.False(state.IsTeeMmio(2, 0x10));
        Assert.True(state.IsTeeMmio(4, 0xF_FFFF));
        Assert.False(state.IsTeeMmio(4, 0x10_0000));
        Assert.False(state.IsTeeMmio(1, 0));
    }

    [Fact]
    public void SecurityState_Unlocked_HasNoTeeRangesAndNoStream()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Run);
        bench.Send(new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceRequest, FakeTdispDevice.Tdi));
        var state = bench.Tdisp.GetInterface(FakeTdispDevice.Tdi)!;

        Assert.Null(state.BoundStreamId);
        Assert.False(state.IsTeeMmio(0, 0x100));
    }

    private static TdispDeviceInterfaceReport FetchReport(TdispBench bench)
    {
        var response = Assert.IsType<TdispDeviceInterfaceReportResponse>(
            bench.Send(new TdispGetDeviceInterfaceReport(FakeTdispDevice.Tdi, 0, 0xFFFF)));
        Assert.Equal(0, response.RemainderLength);
        return TdispDeviceInterfaceReport.Decode(response.Portion);
    }
}
