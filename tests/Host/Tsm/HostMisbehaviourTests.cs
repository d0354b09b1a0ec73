using System.Security.Cryptography;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Iommu;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.TestSupport;

namespace SevTio.Host.Tests.Tsm;

/// <summary>
/// The host lies, and the party that must notice does: a relayed DOE message altered or dropped (the device cannot
/// decrypt it, or the PSP's transcript, MAC or signature check fails), a report blob swapped (the guest's digest check
/// against the PSP-signed TDI_INFO), a guest message replayed or tampered (the PSP), a configuration write while the
/// TDI runs (the device goes to ERROR; the PSP fences the guest when it learns of it).
/// </summary>
public sealed class HostMisbehaviourTests
{
    [Fact]
    public void AlteredSecuredRequest_DeviceCannotOpenItAndAnswersNothing_PspFails()
    {
        using var bench = new HostBench();
        var misbehaviour = bench.Hypervisor.Options.Misbehaviour;
        var altered = false;
        misbehaviour.AlterDoeRequest = (_, dataObject) =>
        {
            // The first secured request (FINISH) gets one ciphertext bit flipped.
            if (!altered && dataObject[2] == (byte)DoeDataObjectTypeSecured)
            {
                altered = true;
                dataObject[20] ^= 1;
            }

            return dataObject;
        };

        Assert.Equal(PspReturnCode.SpdmError, bench.Link.Connect());

        Assert.Equal(1, bench.Device.Doe.ObjectsUnanswered);
        Assert.Contains("NoResponse", bench.Platform.Psp.LastDeviceFailure);
        Assert.Empty(bench.Device.Keys.Keys);
    }

    private const byte DoeDataObjectTypeSecured = 2;

    [Fact]
    public void AlteredPlainRequest_DeviceSignsWhatItGot_PspTranscriptCheckFails()
    {
        using var bench = new HostBench();
        bench.Hypervisor.Options.Misbehaviour.AlterDoeRequest = (_, dataObject) =>
        {
            // KEY_EXCHANGE (0xE4): the host swaps a byte of the requester's random data.
            if (dataObject[2] == 1 && dataObject[9] == 0xE4)
            {
                dataObject[20] ^= 0xFF;
            }

            return dataObject;
        };

        Assert.Equal(PspReturnCode.SpdmError, bench.Link.Connect());

        Assert.Contains("SignatureInvalid", bench.Platform.Psp.LastDeviceFailure);
    }

    [Fact]
    public void AlteredSecuredResponse_PspMacCheckFails()
    {
        using var bench = new HostBench();
        bench.Hypervisor.Options.Misbehaviour.AlterDoeResponse = (_, dataObject) =>
        {
            if (dataObject[2] == DoeDataObjectTypeSecured)
            {
                dataObject[^5] ^= 1;
            }

            return dataObject;
        };

        Assert.Equal(PspReturnCode.SpdmError, bench.Link.Connect());

        Assert.Contains("DecryptFailed", bench.Platform.Psp.LastDeviceFailure);
    }

    [Fact]
    public void DroppedRequest_NoReply_PspFailsAndTheHostWaitedOutTheTimeout()
    {
        using var bench = new HostBench();
        bench.Hypervisor.Options.Misbehaviour.AlterDoeRequest = (index, dataObject) => index == 4 ? null : dataObject;

        Assert.Equal(PspReturnCode.SpdmError, bench.Link.Connect());

        Assert.Contains("NoResponse", bench.Platform.Psp.LastDeviceFailure);
    }

    [Fact]
    public void SwappedReportBlob_GuestDigestCheckAgainstThePspInfoFails()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        bench.Hypervisor.Options.Misbehaviour.AlterReportBlob = report =>
        {
            // A report that hides the doorbell BAR's non-TEE attribute.
            var forged = (byte[])report.Clone();
            forged[16 + 16 + 12] = 0;
            return forged;
        };

        var (result, payload, _, _) = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid), (ulong)TioGuestRequestParam.Report);

        Assert.True(result.IsSuccess);
        var info = TdiInfoResponse.Decode(payload, TioMessageVersion.V1);
        var (table, buffer) = bench.Kernel.ReadBlobs();
        var handed = table.GetBlob(buffer, TioBlobGuids.Report).ToArray();
        Assert.NotEqual(SHA384.HashData(handed), info.InterfaceReportDigest.ToArray());
        Assert.Equal(SHA384.HashData(bench.Tdi.Report!), info.InterfaceReportDigest.ToArray());
    }

    [Fact]
    public void ReplayedGuestMessage_PspRefuses_GuestRetriesWithTheSameSequence()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        Assert.True(bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid)).Result.IsSuccess);
        bench.Hypervisor.Options.Misbehaviour.ReplayPreviousGuestRequest = true;

        var replayed = bench.Kernel.Request(new SdteWriteRequest(HostBench.GuestRid, TrustFlowTests.Sdte(valid: true)), SdteWriteParam.Validate);

        Assert.Equal((uint)PspReturnCode.InvalidParam, replayed.Result.FirmwareError);
        Assert.False(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        bench.Hypervisor.Options.Misbehaviour.ReplayPreviousGuestRequest = false;
        var honest = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid));
        Assert.True(honest.Result.IsSuccess);
        Assert.Equal(4u, bench.Kernel.Counter);
    }

    [Fact]
    public void TamperedGuestMessage_PspRefuses()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        bench.Hypervisor.Options.Misbehaviour.TamperGuestRequest = true;

        var tampered = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid));

        Assert.Equal((uint)PspReturnCode.InvalidParam, tampered.Result.FirmwareError);
        Assert.Equal(1, bench.Platform.Psp.Counters.GuestRequestsRefused);
    }

    [Fact]
    public void ConfigWriteWhileRunning_DeviceGoesToError_PspFencesAndTrustedDmaStops()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Run).FirmwareError);
        Assert.True(bench.Kernel.Request(new SdteWriteRequest(HostBench.GuestRid, TrustFlowTests.Sdte(valid: true)), SdteWriteParam.Validate).Result.IsSuccess);
        Assert.True(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);

        // BAR sizing write, as a careless host would do.
        bench.Link.WriteDeviceConfig(0x10, 0xFFFF_FFFF);

        Assert.Equal(TdiState.Error, bench.Device.Tdi.State);
        var (result, _, rdx, _) = bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid), (ulong)TioGuestRequestParam.State);
        Assert.True(result.IsSuccess);
        Assert.Equal((ulong)TsmTdispState.Error, rdx);
        Assert.Equal(PspReturnCode.Success, bench.Link.ReadFenceStatus(bench.Guest.Asid, out var fence));
        Assert.Equal(DmaFenceStatus.ErrorFenced, fence.Dma);
        Assert.False(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        Assert.False(bench.Platform.Iommu.Translate(DmaRequest.Write(TeeIoTestDevice.Bdf, 0x10000, 64, trusted: true)).Allowed);

        // The guest cannot turn trusted DMA back on while its DMA is fenced.
        var again = bench.Kernel.Request(new SdteWriteRequest(HostBench.GuestRid, TrustFlowTests.Sdte(valid: true)), SdteWriteParam.Validate);
        Assert.Equal(SdteWriteStatus.TdiNotBound, SdteWriteResponse.Decode(again.Response, TioMessageVersion.V1).Status);
    }
}
