using System.Security.Cryptography;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;
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

        // Trusted DMA on: V, IR, IW, vTOM through SDTE_WRITE; the PSP's fields (ASID, guest device id) stay its own.
        var sdte = Sdte(valid: true);
        var (sdteResult, sdtePayload, _, _) = guest.Request(new SdteWriteRequest(HostBench.GuestRid, sdte), SdteWriteParam.Validate);
        Assert.True(sdteResult.IsSuccess);
        Assert.Equal(SdteWriteStatus.Success, SdteWriteResponse.Decode(sdtePayload, TioMessageVersion.V1).Status);
        var entry = bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf);
        Assert.True(entry.Valid && entry.Read && entry.Write);
        Assert.Equal(bench.Guest.Asid, entry.Asid);
        Assert.Equal(HostBench.GuestRid, entry.GuestDeviceId);
        Assert.Equal(1, entry.GetIdeStreamId(0));

        // Each TEE range validated: BAR0 (16 pages) and BAR4 (256 pages); the doorbell BAR2 is not a TEE range.
        foreach (var (bar, pages, rangeId) in new[] { (TeeIoTestDevice.Bar0, 16u, (ushort)0), (TeeIoTestDevice.Bar4, 256u, (ushort)4) })
        {
            var request = new MmioValidateRequest(HostBench.GuestRid, bar, pages, 0, MmioValidateFlags.Validated, rangeId);
            var descriptor = MmioRangeDescriptor.FromRange(bar, pages * 4096ul, (byte)rangeId, isPrivate: true).ToRdx();
            var (validated, response, _, _) = guest.Request(request, descriptor);
            Assert.True(validated.IsSuccess);
            var answer = MmioValidateResponse.Decode(response, TioMessageVersion.V1);
            Assert.Equal(MmioValidateStatus.Success, answer.Status);
            Assert.True(answer.Changed);
            var rmp = bench.Platform.Rmp.ReadEntry(bar + ((pages - 1) * 4096));
            Assert.True(rmp.Assigned && rmp.Validated && rmp.Asid == bench.Guest.Asid && rmp.Gpa == bar + ((pages - 1) * 4096));
        }

        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar2).Owner);

        // The device may now DMA (T=1) into a private page of the guest, which the guest validated.
        Assert.True(bench.Guest.Memory.Pvalidate(0x10000, RmpPageSize.Size4K, validate: true).Completed);
        Assert.True(bench.Platform.Iommu.Translate(DmaRequest.Write(TeeIoTestDevice.Bdf, 0x10000, 256, trusted: true)).Allowed);
        output.WriteLine($"phases: {bench.Platform.Psp.Phases}; PSP commands {bench.Platform.Psp.Counters.Commands}, sim time {bench.Platform.Scheduler.Now}");

        // Unlock in the seed's order: STOP, sDTE cleared, MMIO invalidated, UNBIND.
        Assert.Equal(0ul, guest.TioOp(TioOpAction.Stop).FirmwareError);
        Assert.Equal(TdiState.ConfigUnlocked, bench.Device.Tdi.State);
        Assert.False(bench.Platform.Iommu.Translate(DmaRequest.Write(TeeIoTestDevice.Bdf, 0x10000, 256, trusted: true)).Allowed);
        var (clear, clearPayload, _, _) = guest.Request(new SdteWriteRequest(HostBench.GuestRid, Sdte(valid: false)), SdteWriteParam.Clear);
        Assert.Equal(SdteWriteStatus.Success, SdteWriteResponse.Decode(clearPayload, TioMessageVersion.V1).Status);
        var (invalidate, invalidatePayload, _, _) = guest.Request(new MmioValidateRequest(HostBench.GuestRid, TeeIoTestDevice.Bar0, 16, 0, MmioValidateFlags.None, 0));
        Assert.Equal(MmioValidateStatus.Success, MmioValidateResponse.Decode(invalidatePayload, TioMessageVersion.V1).Status);
        Assert.Equal(0ul, guest.TioOp(TioOpAction.Unbind).FirmwareError);

        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar0).Owner);
        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(TeeIoTestDevice.Bar4 + 0xFF000).Owner);
        Assert.False(bench.Platform.Iommu.ReadSecureDeviceTableEntry(TeeIoTestDevice.Bdf).Valid);
        Assert.Equal(PspReturnCode.Success, bench.Link.ReadFenceStatus(bench.Guest.Asid, out var fence));
        Assert.Equal(DmaFenceStatus.DefaultFenced, fence.Dma);
        Assert.Equal(MmioFenceStatus.NotFenced, fence.Mmio);
    }

    [Fact]
    public void Disconnect_AfterUnbind_StreamsDisabledContextsReclaimedAndReconnectWorks()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        var pages = bench.Hypervisor.Pages.PagesInUse;

        Assert.Equal(PspReturnCode.Success, bench.Link.Disconnect());

        Assert.False(bench.Device.Ide.FindStream(1)!.IsEnabled);
        Assert.False(bench.Device.RootPort.FindStream(1)!.IsEnabled);
        Assert.Equal(TdiState.ConfigUnlocked, bench.Device.Tdi.State);
        Assert.True(bench.Hypervisor.Pages.PagesInUse < pages);
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(IdeStreamState.Secure, bench.Device.RootPort.FindStream(1)!.State);
        Assert.Equal(IdeStreamState.Secure, bench.Device.Ide.FindStream(1)!.State);
    }

    [Fact]
    public void Connect_SameSeed_SameSimulatedTimeKeysAndRelayedSizes()
    {
        // ECDSA signatures from System.Security.Cryptography use random nonces, so the transcript (and with it the
        // session's ciphertext) differs run to run; what the simulation reports must not.
        (SevTio.Hw.Simulation.SimTime Time, string Keys, string Relayed) Run()
        {
            using var bench = new HostBench(seed: 21);
            Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
            Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
            var relayed = string.Join(",", bench.Link.RelayLog.Select(e => $"{e.Request.Length}/{e.Response?.Length}"));
            return (bench.Platform.Scheduler.Now, string.Concat(bench.Device.Keys.Keys.Select(Convert.ToHexString)), relayed);
        }

        var first = Run();
        var second = Run();
        Assert.Equal(first, second);
    }

    internal static SecureDeviceTableEntryImage Sdte(bool valid)
    {
        var entry = default(SecureDeviceTableEntry);
        if (valid)
        {
            entry.Valid = true;
            entry.Read = true;
            entry.Write = true;
            entry.VTomEnable = true;
            entry.SetVTom(2UL << 40);
        }

        var bytes = new byte[SecureDeviceTableEntry.Size];
        entry.Encode(bytes);
        return SecureDeviceTableEntryImage.FromBytes(bytes);
    }
}
