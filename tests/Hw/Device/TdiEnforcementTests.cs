using SevTio.Hw.Device;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>
/// The device refuses what its TDI may not issue (PCIe TDISP §11.2.1): a T=0 request from a TDI in RUN, any DMA while
/// CONFIG_LOCKED or ERROR, requests after the TDI leaves RUN mid-job; it serves TEE MMIO only to T=1 requests on the
/// bound stream; MSI-X goes with T=0 unless the table is locked. Nothing refused reaches the link or memory.
/// </summary>
public sealed class TdiEnforcementTests
{
    private static readonly DmaWorkload Small = new() { TotalBytes = 64 << 10, WindowBytes = 64 << 10 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NonTeeJob_FromRunTdi_IsRefused_NoDataOnLinkOrInMemory(bool packet)
    {
        using var run = new DmaRun(DmaRun.Config(packet: packet), Small with { NonTee = true }, r => r.Platform.Device.Memory.Span.Fill(0xA5));

        Assert.Equal(1, run.Driver.JobsFailed);
        Assert.Equal(DmaStatus.TdiRefused, run.Driver.FirstFailure);
        Assert.Equal(0, run.Statistics.Bytes);
        Assert.True(run.Platform.Device.Gate.DmaRefusals > 0);

        // Only the descriptor fetch, the completion record (the engine's own T=1 write) and MSI-X went upstream; no
        // page of the window was ever written.
        Assert.Equal(3, run.Platform.Link.UpstreamPort.Statistics.TlpsSent);
        for (var page = 0UL; page < 64 << 10; page += 4096)
        {
            Assert.False(run.Platform.Memory.IsTouched(run.Guest.WindowGpa + page));
        }
    }

    [Theory]
    [InlineData(TdiSecurityState.ConfigLocked, false)]
    [InlineData(TdiSecurityState.Error, false)]
    [InlineData(TdiSecurityState.ConfigLocked, true)]
    [InlineData(TdiSecurityState.Error, true)]
    public void Dma_WhenTdiNotInRun_IsRefused_EngineHalts_NothingSent(TdiSecurityState state, bool packet)
    {
        // The doorbell reaches the engine while the TDI runs; the TDI leaves RUN before the engine fetches.
        using var run = new DmaRun(DmaRun.Config(packet: packet), Small, r =>
            r.Platform.Scheduler.Schedule(r.Platform.Scheduler.Now + SimTime.FromNanoseconds(1), new Callback(() => r.Platform.Tdi.State = state)));

        var dma = run.Platform.Device.Dma;
        Assert.Equal(DmaEngineState.Halted, dma.State);
        Assert.Equal(DmaStatus.TdiRefused, dma.LastStatus);
        Assert.Equal(0, run.Driver.JobsCompleted);
        Assert.Equal(0, run.Platform.Link.UpstreamPort.Statistics.TlpsSent);
        Assert.Equal(0, run.Statistics.Bytes);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void TdiLeavingRunMidJob_StopsTheJob_NoLaterTransfer(bool packet, bool write)
    {
        var workload = new DmaWorkload { TotalBytes = 1 << 20, WindowBytes = 1 << 20, Direction = write ? DmaOpcode.Write : DmaOpcode.Read };
        var stopAt = SimTime.FromMicroseconds(5);
        using var run = new DmaRun(DmaRun.Config(packet: packet), workload, r =>
            r.Platform.Scheduler.Schedule(r.Platform.Scheduler.Now + stopAt, new Callback(() => r.Platform.Tdi.State = TdiSecurityState.Error)));

        var dma = run.Platform.Device.Dma;
        Assert.Equal(0, run.Driver.JobsCompleted);
        Assert.NotEqual(DmaStatus.Success, dma.LastStatus);
        var moved = run.Statistics.TransfersWritten + run.Statistics.TransfersRead;
        Assert.InRange(moved, 1, workload.TotalTransfers - 1);

        // No MSI-X from an ERROR TDI.
        Assert.Equal(0, run.Platform.Interrupts.Delivered);
    }

    [Fact]
    public void Doorbell_WhileConfigLocked_IsRefusedAsTeeMmio_NothingSent()
    {
        using var run = new DmaRun(DmaRun.Config(), Small, r => r.Platform.Tdi.State = TdiSecurityState.ConfigLocked);

        Assert.Equal(1, run.Platform.Device.Gate.MmioRefusals);
        Assert.Equal(DmaEngineState.Idle, run.Platform.Device.Dma.State);
        Assert.Equal(0, run.Platform.Link.UpstreamPort.Statistics.TlpsSent);
    }

    [Fact]
    public void TeeMmio_InRun_OnlyT1OnBoundStream()
    {
        using var run = new DmaRun(DmaRun.Config(), Small);
        var device = run.Platform.Device;
        const int ringSize = 0x14;
        var before = device.MmioRead(TdispDevice.RegisterBar, ringSize, teeOriginated: true, HwOnlyBringUp.StreamId);

        Assert.False(device.MmioWrite(TdispDevice.RegisterBar, ringSize, 8, teeOriginated: false, streamId: null));
        Assert.False(device.MmioWrite(TdispDevice.RegisterBar, ringSize, 8, teeOriginated: true, streamId: 2));
        Assert.Equal(CompletionStatus.UnsupportedRequest, device.MmioRead(HwOnlyBringUp.RegisterBarAddress + ringSize, teeOriginated: false, streamId: null, out _));
        Assert.Equal(before, device.MmioRead(TdispDevice.RegisterBar, ringSize, teeOriginated: true, HwOnlyBringUp.StreamId));
        Assert.True(device.MmioWrite(TdispDevice.RegisterBar, ringSize, 8, teeOriginated: true, HwOnlyBringUp.StreamId));
        Assert.Equal(8u, device.MmioRead(TdispDevice.RegisterBar, ringSize, teeOriginated: true, HwOnlyBringUp.StreamId));
        Assert.Equal(3, device.Gate.MmioRefusals);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Msix_InRun_TeeOnlyWhenTableLocked(bool msixLocked, bool expectTee)
    {
        var messages = new List<MessageSignalledInterrupt>();
        using var run = new DmaRun(DmaRun.Config(), Small, r =>
        {
            r.Platform.Tdi.MsixLocked = msixLocked;
            r.Platform.Interrupts.Interrupt += messages.Add;
        });

        var message = Assert.Single(messages);
        Assert.Equal(expectTee, message.TeeOriginated);
        Assert.Equal(HwOnlyBringUp.MsiAddress, message.Address);
        Assert.Equal(HwOnlyBringUp.MsiData, message.Data);
    }

    [Fact]
    public void BusMasterDisabled_NoRequestIssued()
    {
        using var run = new DmaRun(DmaRun.Config(), Small, r => r.Platform.Device.Config.Write(0x04, ConfigSpace.CommandMemorySpaceEnable));

        Assert.Equal(DmaStatus.BusMasterDisabled, run.Platform.Device.Dma.LastStatus);
        Assert.Equal(0, run.Platform.Link.UpstreamPort.Statistics.TlpsSent);
    }

    private sealed class Callback(Action action) : ISimEventHandler
    {
        public void OnEvent(Scheduler scheduler, long arg0, long arg1) => action();
    }
}
