using SevTio.Host.Pci;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.TestSupport;

namespace SevTio.Host.Tests.Pci;

/// <summary>
/// A DOE transfer's time is the sum of its configuration accesses (each <see cref="HostTiming.ConfigAccess"/>), plus
/// the Linux poll interval whenever the response is not ready yet. Expected counts are worked out from the driver
/// procedure (PCIe §6.30.2, drivers/pci/doe.c): one Status read, N request DWs written, Go, one Status read per poll,
/// a read and an advance per response DW, a final Status read.
/// </summary>
public sealed class DoeTransferTimingTests
{
    private static readonly byte[] Discovery = DoeDataObject.Encode(DoeDataObjectType.Discovery, new DoeDiscoveryRequest(0).Encode());

    [Fact]
    public void Exchange_ResponseReadyAtOnce_TimeIsAccessesTimesCost()
    {
        using var bench = new HostBench();
        var doe = DoeMailboxDriver.Find(bench.Hypervisor.Pci, bench.Platform.Scheduler, bench.Hypervisor.Timing, TeeIoTestDevice.Bdf)!;
        var accesses = bench.Hypervisor.Pci.Accesses;
        var start = bench.Platform.Scheduler.Now;

        Assert.Equal(DoeExchangeStatus.Completed, doe.Exchange(Discovery, out var response));

        // Discovery: 3 DW out, 3 DW back → 1 + 3 + 1 + 1 + 2·3 + 1 = 13 accesses of 1 µs.
        Assert.Equal(12, response!.Length);
        Assert.Equal(13, bench.Hypervisor.Pci.Accesses - accesses);
        Assert.Equal(SimTime.FromMicroseconds(13), bench.Platform.Scheduler.Now - start);
    }

    [Fact]
    public void Exchange_DeviceTakesTime_OnePollIntervalMore()
    {
        using var bench = new HostBench(doeLatency: SimTime.FromMicroseconds(50));
        var doe = DoeMailboxDriver.Find(bench.Hypervisor.Pci, bench.Platform.Scheduler, bench.Hypervisor.Timing, TeeIoTestDevice.Bdf)!;
        var start = bench.Platform.Scheduler.Now;

        Assert.Equal(DoeExchangeStatus.Completed, doe.Exchange(Discovery, out _));

        Assert.Equal(SimTime.FromMicroseconds(14) + bench.Hypervisor.Timing.DoePollInterval, bench.Platform.Scheduler.Now - start);
    }

    [Fact]
    public void Exchange_NoAnswer_TimesOutAfterOneSecondAndAborts()
    {
        using var bench = new HostBench();
        var doe = DoeMailboxDriver.Find(bench.Hypervisor.Pci, bench.Platform.Scheduler, bench.Hypervisor.Timing, TeeIoTestDevice.Bdf)!;
        var start = bench.Platform.Scheduler.Now;

        // A secured message of a session that does not exist: the DSM answers nothing.
        var orphan = DoeDataObject.Encode(DoeDataObjectType.SecuredSpdm, new byte[32]);
        Assert.Equal(DoeExchangeStatus.TimedOut, doe.Exchange(orphan, out _));

        // 10 request DW: 1 + 10 + 1 accesses, then 129 Status reads with 128 poll intervals between (the 129th is
        // past the 1 s deadline), then Abort.
        var poll = bench.Hypervisor.Timing.DoePollInterval;
        Assert.Equal(SimTime.FromMicroseconds(12 + 129 + 1) + (poll * 128), bench.Platform.Scheduler.Now - start);
        Assert.Equal(1, bench.Device.Doe.Aborts);
        Assert.Equal(1, bench.Device.Doe.ObjectsUnanswered);
    }

    [Fact]
    public void Exchange_MalformedObject_ErrorThenTheMailboxWorksAgain()
    {
        using var bench = new HostBench();
        var doe = DoeMailboxDriver.Find(bench.Hypervisor.Pci, bench.Platform.Scheduler, bench.Hypervisor.Timing, TeeIoTestDevice.Bdf)!;
        var unknownType = (byte[])Discovery.Clone();
        unknownType[2] = 0x09;

        Assert.Equal(DoeExchangeStatus.Error, doe.Exchange(unknownType, out _));
        Assert.Equal(DoeExchangeStatus.Completed, doe.Exchange(Discovery, out _));
    }

    [Fact]
    public void Discover_ListsDiscoveryCmaAndSecuredCma()
    {
        using var bench = new HostBench();
        var doe = DoeMailboxDriver.Find(bench.Hypervisor.Pci, bench.Platform.Scheduler, bench.Hypervisor.Timing, TeeIoTestDevice.Bdf)!;

        Assert.Equal(
            [(DoeDataObjectHeader.PciSigVendorId, DoeDataObjectType.Discovery), (DoeDataObjectHeader.PciSigVendorId, DoeDataObjectType.Spdm), (DoeDataObjectHeader.PciSigVendorId, DoeDataObjectType.SecuredSpdm)],
            doe.Discover());
    }

    [Fact]
    public void Connect_EveryRelayIsPaidInConfigAccesses()
    {
        using var bench = new HostBench();

        Assert.Equal(Protocols.Psp.PspReturnCode.Success, bench.Link.Connect());

        var relayed = bench.Link.RelayLog;
        var dws = relayed.Sum(e => (e.Request.Length / 4) + (2 * (e.Response?.Length ?? 0) / 4));
        Assert.True(bench.Hypervisor.Pci.Accesses >= dws + (4 * relayed.Count));
        Assert.Equal(bench.Hypervisor.Timing.ConfigAccess * bench.Hypervisor.Pci.Accesses, bench.Hypervisor.Pci.TimeInAccesses);
    }
}
