using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>The device's configuration space as software sees it (PCIe 6.x §7.5.1, §7.5.3, §7.7.2, §7.9.26).</summary>
public sealed class TdispDeviceConfigTests : IDisposable
{
    private readonly TdispDevice _device = new(new Scheduler());

    public void Dispose() => _device.Dispose();

    [Fact]
    public void Header_CarriesIdsAndCapabilityList()
    {
        var c = _device.Config;
        Assert.Equal(0x1B36u | (0x5E70u << 16), c.Read(0x00));
        Assert.Equal(0x12_0000u, c.Read(0x08) >> 8);
        Assert.NotEqual(0u, c.Read(0x04) & (1u << 20)); // Capabilities List
    }

    [Fact]
    public void PcieCapability_DeviceCapabilitiesBit30_TeeIoSupported()
    {
        var pcie = _device.Config.FindCapability(0x10);
        Assert.True(pcie >= 0x40);
        var devcap = _device.Config.Read(pcie + 4);
        Assert.NotEqual(0u, devcap & (1u << 30));
        Assert.Equal(5u, devcap & 7); // 4096 B MPS supported

        using var plain = new TdispDevice(new Scheduler(), new DeviceSettings { TeeIoSupported = false });
        Assert.Equal(0u, plain.Config.Read(plain.Config.FindCapability(0x10) + 4) & (1u << 30));
    }

    [Theory]
    [InlineData(TdispDevice.RegisterBar, TdispDevice.RegisterBarBytes)]
    [InlineData(TdispDevice.MsixBar, TdispDevice.MsixBarBytes)]
    public void Bars_Are64BitMemoryBars_SizedTheUsualWay(int bar, ulong size)
    {
        var c = _device.Config;
        c.Write(0x10 + (4 * bar), 0xFFFF_FFFF);
        c.Write(0x14 + (4 * bar), 0xFFFF_FFFF);
        var lo = c.Read(0x10 + (4 * bar));
        var hi = c.Read(0x14 + (4 * bar));
        Assert.Equal(0b100u, lo & 0xF); // memory, 64-bit, not prefetchable
        Assert.Equal(size, ~(((ulong)hi << 32) | (lo & ~0xFu)) + 1);
    }

    [Fact]
    public void MsixCapability_PointsAtTableAndPbaInBar2()
    {
        var c = _device.Config;
        var msix = c.FindCapability(0x11);
        Assert.True(msix > 0);
        Assert.Equal((uint)(_device.Settings.MsixVectors - 1), (c.Read(msix) >> 16) & 0x7FF);
        Assert.Equal(TdispDevice.MsixTableOffset | TdispDevice.MsixBar, c.Read(msix + 4));
        Assert.Equal(TdispDevice.MsixPbaOffset | TdispDevice.MsixBar, c.Read(msix + 8));
    }

    [Fact]
    public void IdeExtendedCapability_IsInTheChain()
    {
        var offset = _device.Config.FindExtendedCapability(IdeCapability.ExtendedCapabilityId);
        Assert.Equal(_device.IdeCapabilityOffset, offset);
        Assert.Equal(0x1_0030u, _device.Config.Read(offset) & 0xF_FFFF);
    }

    [Fact]
    public void ConfigWritten_ReportsSecurityRelevantWrites()
    {
        var writes = new List<ConfigWrite>();
        _device.ConfigWritten += writes.Add;

        _device.Config.Write(0x10, 0xF000_0000);
        _device.Config.Write(0x04, ConfigSpace.CommandBusMasterEnable);
        _device.Config.Write(0x0C, 0x10); // Cache Line Size

        Assert.Equal(3, writes.Count);
        Assert.True(writes[0].IsSecurityRelevant);
        Assert.True(writes[1].IsSecurityRelevant);
        Assert.False(writes[2].IsSecurityRelevant);
    }

    [Fact]
    public void Msix_MaskedVector_SetsPendingBit_UnmaskSendsIt()
    {
        var messages = new List<MessageSignalledInterrupt>();
        using var platform = new SevTioPlatform(DmaRun.Config());
        HwOnlyBringUp.Run(platform);
        platform.Interrupts.Interrupt += messages.Add;
        var device = platform.Device;
        var vectorControl = HwOnlyBringUp.MsixBarAddress + TdispDevice.MsixTableOffset + 12;
        device.MmioWrite(vectorControl, 1, teeOriginated: false, streamId: null);

        device.SignalMsix(0);
        platform.Scheduler.RunUntilIdle();
        Assert.Empty(messages);
        Assert.True(device.MsixTable.IsPending(0));
        Assert.Equal(CompletionStatus.SuccessfulCompletion, device.MmioRead(HwOnlyBringUp.MsixBarAddress + TdispDevice.MsixPbaOffset, false, null, out var pba));
        Assert.Equal(1u, pba & 1);

        device.MmioWrite(vectorControl, 0, teeOriginated: false, streamId: null);
        platform.Scheduler.RunUntilIdle();
        var message = Assert.Single(messages);
        Assert.Equal(HwOnlyBringUp.MsiAddress, message.Address);
        Assert.False(device.MsixTable.IsPending(0));
    }

    [Fact]
    public void FunctionLevelReset_ResetsTheEngineAndIsReported()
    {
        var resets = 0;
        _device.FunctionLevelReset += () => resets++;
        var pcie = _device.Config.FindCapability(0x10);
        _device.Dma.Registers.Write(0x24, 5);

        _device.Config.Write(pcie + 8, 1u << 15, byteEnables: 0b0010);

        Assert.Equal(1, resets);
        Assert.Equal(0, _device.Dma.Tail);
        Assert.Equal(0u, _device.Config.Read(pcie + 8) & (1u << 15));
    }

    [Fact]
    public void TdispFacts_BarsMsixAndSecurityRanges_AsProgrammed()
    {
        using var platform = new SevTioPlatform(DmaRun.Config());
        HwOnlyBringUp.Run(platform);
        var device = platform.Device;

        var bars = device.ReadBars();
        Assert.Equal(HwOnlyBringUp.RegisterBarAddress, bars[0].Base);
        Assert.Equal(TdispDevice.RegisterBarBytes, bars[0].Size);
        Assert.Equal(HwOnlyBringUp.MsixBarAddress, bars[1].Base);

        var msix = device.Msix;
        Assert.Equal((TdispDevice.MsixBar, (ulong)TdispDevice.MsixTableOffset, (ulong)TdispDevice.MsixPbaOffset), (msix.TableBar, msix.TableOffset, msix.PbaOffset));
        Assert.Equal((ulong)(device.Settings.MsixVectors * 16), msix.TableLength);
        Assert.NotEqual(0, msix.MessageControl & 0x8000); // enabled by the bring-up

        Assert.Contains(device.SecurityRelevantConfigRanges, r => r.Offset == device.IdeCapabilityOffset);
        Assert.Contains(device.SecurityRelevantConfigRanges, r => r.Offset == device.Config.FindCapability(MsixCapability.CapabilityId));
    }
}
