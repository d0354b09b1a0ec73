using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Rmp;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Tests.Device;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.RootComplex;

/// <summary>
/// The root port's answers: read completions split at most MPS on RCB boundaries or RCB-sized (PCIe §2.3.1.1), UR for
/// IOMMU faults and CA for RMP violations on reads, refused writes dropped with nothing stored, MSI-X decoded.
/// </summary>
public sealed class RootPortTests
{
    /// <summary>Runs one read descriptor of one transfer by hand and returns the completions the root port sent for its data.</summary>
    private static (long DataCompletions, byte[] Read, byte[] Expected, DmaCompletionRecord Record, SevTioPlatform Platform) ReadOnce(
        ulong offset, uint size, CompletionSplitPolicy split, bool packet, int mrrs = 512)
    {
        var platform = new SevTioPlatform(DmaRun.Config(packet: packet, split: split, mrrs: mrrs));
        var guest = HwOnlyBringUp.Run(platform);
        var expected = DmaRun.RandomBytes((int)size, 11);
        guest.Write(guest.WindowGpa + offset, expected);
        guest.WriteDescriptor(0, new DmaDescriptor(DmaOpcode.Read, 0, 0, 1, size, 0, guest.WindowGpa + offset, size, 0, guest.CompletionGpa, 1));
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();
        platform.Drain();

        // One completion carried the 64-byte descriptor.
        var completions = platform.Link.DownstreamPort.Statistics.TlpsSent - 1;
        return (completions, platform.Device.Memory.Span[..(int)size].ToArray(), expected, guest.ReadCompletion(0), platform);
    }

    // Expected counts from the rule itself: with MPS 256 and RCB 64 a completion ends on a 64-byte boundary and carries at
    // most 256 bytes; RCB-sized completions end at every 64-byte boundary.
    [Theory]
    [InlineData(0x000, 512u, CompletionSplitPolicy.MaxPayload, 2)] // 256 + 256
    [InlineData(0x040, 512u, CompletionSplitPolicy.MaxPayload, 2)] // 0x40-0x140, 0x140-0x240
    [InlineData(0x030, 100u, CompletionSplitPolicy.MaxPayload, 1)] // fits in one
    [InlineData(0x030, 300u, CompletionSplitPolicy.MaxPayload, 2)] // 0x30-0x100 (208), then 92
    [InlineData(0x000, 512u, CompletionSplitPolicy.ReadCompletionBoundary, 8)]
    [InlineData(0x030, 100u, CompletionSplitPolicy.ReadCompletionBoundary, 3)] // 16 + 64 + 20
    [InlineData(0xF00, 512u, CompletionSplitPolicy.MaxPayload, 2)] // two requests (4 KiB boundary at 0x1000): 256 each
    public void Read_CompletionsSplitByMpsAndRcb_DataArrivesIntact(ulong offset, uint size, CompletionSplitPolicy split, long completions)
    {
        foreach (var packet in new[] { true, false })
        {
            var (sent, read, expected, record, platform) = ReadOnce(offset, size, split, packet);
            using (platform)
            {
                Assert.Equal(DmaStatus.Success, record.Status);
                Assert.Equal(completions, sent);
                Assert.Equal(expected, read);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_OfUnmappedGpa_IsUnsupportedRequest(bool packet)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet));
        var guest = HwOnlyBringUp.Run(platform);
        const ulong unmapped = 0xC000_0000;
        guest.WriteDescriptor(0, new DmaDescriptor(DmaOpcode.Read, 0, 0, 4, 256, 0, unmapped, 4096, 0, guest.CompletionGpa, 1));
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();

        Assert.Equal(DmaStatus.UnsupportedRequest, guest.ReadCompletion(0).Status);
        Assert.True(platform.RootPort.Counters.UnsupportedRequests > 0);
        Assert.Equal(IommuEventCode.IoPageFault, platform.Iommu.EventLog.Drain()[0].Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_OfPageNotAssignedToTheGuest_IsCompleterAbort(bool packet)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet));
        var guest = HwOnlyBringUp.Run(platform);
        var page = guest.WindowGpa + 0x3000;
        Assert.Equal(RmpStatus.Success, platform.Rmp.RmpUpdate(page, RmpUpdateState.Hypervisor()));
        guest.WriteDescriptor(0, new DmaDescriptor(DmaOpcode.Read, 0, 0, 1, 512, 0, page, 4096, 0, guest.CompletionGpa, 1));
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();

        Assert.Equal(DmaStatus.CompleterAbort, guest.ReadCompletion(0).Status);
        Assert.Equal(1, platform.RootPort.Counters.CompleterAborts);
        Assert.Equal(IommuEventCode.RmpPageFault, platform.Iommu.EventLog.Drain()[0].Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_ToPageNotAssignedToTheGuest_IsDropped_NothingStored(bool packet)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet));
        var guest = HwOnlyBringUp.Run(platform);
        var page = guest.WindowGpa + 0x2000;
        Assert.Equal(RmpStatus.Success, platform.Rmp.RmpUpdate(page, RmpUpdateState.Hypervisor()));
        new Random(1).NextBytes(platform.Device.Memory.Span);

        // Four 4 KiB transfers: pages 0, 1, 2 (refused), 3.
        guest.WriteDescriptor(0, new DmaDescriptor(DmaOpcode.Write, 0, 0, 4, 4096, 0, guest.WindowGpa, 16384, 0, guest.CompletionGpa, 1));
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();
        platform.Drain();

        // Posted writes: the device cannot tell; the job completes, the IOMMU logged the drop, the page is untouched.
        Assert.Equal(DmaStatus.Success, guest.ReadCompletion(0).Status);
        Assert.False(platform.Memory.IsTouched(page));
        Assert.True(platform.Memory.IsTouched(page + 0x1000));
        Assert.Equal(1, platform.DmaStatistics.TransfersFailed);
        Assert.True(platform.RootPort.Counters.WritesDropped > 0);
        Assert.Equal(IommuEventCode.RmpPageFault, platform.Iommu.EventLog.Drain()[0].Code);
    }

    [Theory]
    [InlineData(0x0000_0001_0000_0000UL, 256, 0xF, 0xF, 0, 256)]
    [InlineData(0x0000_0001_0000_0002UL, 256, 0xC, 0x3, 2, 256)]
    [InlineData(0x0000_0001_0000_0001UL, 2, 0x6, 0x0, 1, 2)]
    [InlineData(0x0000_0001_0000_0000UL, 1, 0x1, 0x0, 0, 1)]
    public void EnabledBytes_FollowsTheByteEnables(ulong address, int length, byte firstBe, byte lastBe, int first, int count)
    {
        var h = TlpHeader.MemoryWrite(0x100, address, length);
        Assert.Equal(firstBe, h.FirstBe);
        Assert.Equal(lastBe, h.LastBe);

        RootPort.EnabledBytes(in h, out var f, out var n);

        Assert.Equal(first, f);
        Assert.Equal(count, n);
    }

    [Fact]
    public void Config_CarriesTheIdeCapabilityForHostSoftware()
    {
        using var platform = new SevTioPlatform(DmaRun.Config());
        var root = platform.RootPort;

        Assert.Equal(root.IdeCapabilityOffset, root.Config.FindExtendedCapability(IdeCapability.ExtendedCapabilityId));
        Assert.Equal(0x0604u, root.Config.Read(0x08) >> 16); // a PCI-to-PCI bridge
        HwOnlyBringUp.Run(platform);
        Assert.Equal(IdeStreamState.Secure, root.Ide.FindStream(HwOnlyBringUp.StreamId)!.State);
    }
}
