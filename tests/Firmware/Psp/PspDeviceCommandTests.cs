using System.Security.Cryptography;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Ide;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Spdm;
using SevTio.TestSupport;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// DEV_CREATE, DEV_CONNECT (SPDM continuation, keys), DEV_STATUS, DEV_MEASUREMENTS, DEV_CERTIFICATES, ROLL_KEY,
/// DEV_DISCONNECT and DEV_RECLAIM: success, continuation and expand paths, and the error codes of each, the page
/// checks included.
/// </summary>
public sealed class PspDeviceCommandTests
{
    [Fact]
    public void DevConnect_Continuation_SessionThenKeysAtBothEndsStreamsSecure()
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());

        Assert.True(bench.Connect() == PspReturnCode.Success, bench.Psp.LastDeviceFailure);
        bench.EnableStreams();

        // SPDM VCA + certificate chunks + KEY_EXCHANGE + FINISH, then IDE_KM: QUERY, 6 KEY_PROG, 3 GO (Rx), 3 GO (Tx).
        var chainChunks = (bench.Device.Identity.CertificateChain.Length + 1023) / 1024;
        Assert.Equal(3 + 1 + chainChunks + 2 + 1 + 6 + 3 + 3, bench.Relays);
        Assert.Equal(bench.Relays + 1, bench.Issues - 3);
        Assert.Equal(IdeStreamState.Secure, bench.Device.Ide.FindStream(PspBench.StreamId)!.State);
        Assert.Equal(IdeStreamState.Secure, bench.Device.RootPort.FindStream(PspBench.StreamId)!.State);
        var output = SlaBuffer.ReadDeviceObject(bench.ReadBuffer(bench.Spdm.Output), DataObjectId.Certificate);
        Assert.Equal(bench.Device.Identity.CertificateChain, output.Data.ToArray());
        Assert.Equal(TeeIoTestDevice.Bdf, output.DeviceId);
    }

    [Fact]
    public void DevConnect_KeysAreFreshPerSubStreamAndDirectionAndNeverInMemory()
    {
        using var bench = new PspBench();
        bench.Connected();

        var keys = bench.Device.Keys.Keys;
        Assert.Equal(6, keys.Count);
        Assert.Equal(6, keys.Select(Convert.ToHexString).Distinct().Count());
        foreach (var key in keys)
        {
            Assert.Empty(bench.Platform.FindInMemory(key));
        }
    }

    [Fact]
    public void DevConnect_OutputTooSmall_ExpandBufferLengthRequestWithCapacityThenCompletes()
    {
        var identity = SpdmDeviceIdentity.Create(new Random(3), new string('x', 3000));
        using var bench = new PspBench(identity: identity);
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        Assert.True(identity.CertificateChain.Length + 96 > 4096);

        Assert.True(bench.Connect() == PspReturnCode.Success, bench.Psp.LastDeviceFailure);

        Assert.Equal(1, bench.Expansions);
        Assert.Equal(2, bench.Pages(bench.Spdm.Output).Count);
        Assert.Equal(identity.CertificateChain, SlaBuffer.ReadDeviceObject(bench.ReadBuffer(bench.Spdm.Output), DataObjectId.Certificate).Data.ToArray());
    }

    [Fact]
    public void DevConnect_UntrustedRoot_SpdmErrorAndNoKeys()
    {
        var other = SpdmDeviceIdentity.Create(new Random(77));
        using var bench = new PspBench(trustedRoot: other.RootCertificate);
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());

        Assert.Equal(PspReturnCode.SpdmError, bench.Connect());

        Assert.Contains(nameof(SpdmFailureReason.CertificateChainUntrusted), bench.Psp.LastDeviceFailure);
        Assert.Empty(bench.Device.Keys.Keys);
    }

    [Fact]
    public void DevConnect_ReplyTamperedOnTheWay_SpdmError()
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        bench.Intercept = (index, reply) =>
        {
            // The KEY_EXCHANGE_RSP (after 3 VCA, DIGESTS and the chain) loses a bit of its signature.
            if (reply.Length > 8 && reply[9] == (byte)SpdmRequestResponseCode.KeyExchangeRsp)
            {
                reply[^60] ^= 1;
            }

            return reply;
        };

        Assert.Equal(PspReturnCode.SpdmError, bench.Connect());
        Assert.Contains(nameof(SpdmFailureReason.SignatureInvalid), bench.Psp.LastDeviceFailure);
    }

    [Fact]
    public void DevConnect_ReplyDropped_SpdmError()
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        bench.Intercept = (index, reply) => index == 5 ? null : reply;

        Assert.Equal(PspReturnCode.SpdmError, bench.Connect());
        Assert.Contains(nameof(SpdmFailureReason.NoResponse), bench.Psp.LastDeviceFailure);
    }

    [Theory]
    [InlineData(0, 0, PspReturnCode.InvalidParam)]
    [InlineData(1, 1, PspReturnCode.InvalidParam)]
    public void DevConnect_BadTcMaskOrCertSlot_InvalidParam(byte tcMask, byte certSlot, PspReturnCode expected)
    {
        using var bench = new PspBench();
        bench.Init();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());

        Assert.Equal(expected, bench.Connect(tcMask, certSlot));
    }

    [Fact]
    public void DevConnect_TcWithoutStreamId_InvalidParam()
    {
        using var bench = new PspBench();
        bench.Init();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());

        Assert.Equal(PspReturnCode.InvalidParam, bench.Relayed(c => new TioDevConnectCommand(c, bench.DeviceContext, 1, 0, IdeStreamIds.AllUnused())));
    }

    [Fact]
    public void DevConnect_Twice_InvalidDeviceState_UnknownContext_InvalidDeviceContext()
    {
        using var bench = new PspBench();
        bench.Connected();

        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Connect());
        var ids = IdeStreamIds.AllUnused();
        ids[0] = 1;
        Assert.Equal(PspReturnCode.InvalidDeviceContext, bench.Relayed(c => new TioDevConnectCommand(c, bench.Buffer(2), 1, 0, ids)));
    }

    [Fact]
    public void DevConnect_AnotherCommandWhileAwaitingTheRelay_InvalidDeviceState_ThenContinues()
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        var ids = IdeStreamIds.AllUnused();
        ids[0] = 1;
        Assert.Equal(PspReturnCode.SpdmRequest, bench.Run(new TioDevConnectCommand(bench.Spdm, bench.DeviceContext, 1, 0, ids)));

        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Run(new TioRollKeyCommand(bench.Spdm, bench.DeviceContext)));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioDevStatusCommand(bench.DeviceContext, bench.DataPage)));
        var status = TioDeviceStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioDeviceStatus.Size));
        Assert.Equal(TioDeviceStatusP1Flags.RequestPending, status.P1Flags);
        Assert.Equal((ushort)PspCommandId.TioDevConnect, status.RequestPendingCommand);

        // The host relays and re-issues: the connect resumes where it stopped.
        bench.RelayOnce();
        Assert.Equal(PspReturnCode.Success, bench.Connect());
        Assert.Equal(IdeStreamState.Insecure, bench.Device.Ide.FindStream(PspBench.StreamId)!.State);
        Assert.Equal(6, bench.Device.Keys.Keys.Count);
    }

    private static readonly Dictionary<string, Func<PspBench, SpdmControl>> s_bufferCases = new()
    {
        ["response buffer firmware-owned"] = b => b.Spdm with { Response = b.Buffer(1) },
        ["request buffer hypervisor-owned"] = b => b.Spdm with { Request = b.Buffer(1, firmware: false) },
        ["output buffer hypervisor-owned"] = b => b.Spdm with { Output = b.Buffer(1, firmware: false) },
        ["output is the scratch buffer"] = b => b.Spdm with { Output = b.Spdm.Scratch },
        ["output is the device context"] = b => b.Spdm with { Output = ScatterListAddress.FromPhysicalAddress(b.Pages(b.DeviceContext)[0]) },
        ["output holds another context"] = b => b.Spdm with { Output = OtherContext(b) },
        ["2 MiB page"] = b => b.Spdm with { Scratch = ScatterListAddress.Data(b.Spdm.Scratch.Pfn & ~0x1FFul, SlaPageSize.Size2M) },
        ["NULL request buffer"] = b => b.Spdm with { Request = ScatterListAddress.Null },
        ["page inside the RMP"] = b => b.Spdm with { Scratch = ScatterListAddress.FromPhysicalAddress(SevTioTestPlatform.RmpBase + 0x10000) },
        ["scatter list naming a page twice"] = b => b.Spdm with { Output = Twice(b) },
        ["two-page output"] = b => b.Spdm with { Output = b.Buffer(2) },
    };

    [Theory]
    [InlineData("response buffer firmware-owned", PspReturnCode.InvalidPageOwner)]
    [InlineData("request buffer hypervisor-owned", PspReturnCode.InvalidPageState)]
    [InlineData("output buffer hypervisor-owned", PspReturnCode.InvalidPageState)]
    [InlineData("output is the scratch buffer", PspReturnCode.InvalidParam)]
    [InlineData("output is the device context", PspReturnCode.InvalidParam)]
    [InlineData("output holds another context", PspReturnCode.InUse)]
    [InlineData("2 MiB page", PspReturnCode.InvalidPageSize)]
    [InlineData("NULL request buffer", PspReturnCode.InvalidParam)]
    [InlineData("page inside the RMP", PspReturnCode.InvalidAddress)]
    [InlineData("scatter list naming a page twice", PspReturnCode.InvalidParam)]
    [InlineData("two-page output", PspReturnCode.Success)]
    public void DevConnect_SpdmBufferPageChecks_MatchingErrorCode(string what, PspReturnCode expected)
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        bench.Spdm = s_bufferCases[what](bench);

        var status = bench.Connect();

        Assert.True(expected == status, $"{what}: {status}");
    }

    private static ScatterListAddress OtherContext(PspBench bench)
    {
        var tdiLike = bench.Buffer(1);
        Assert.Equal(PspReturnCode.Success, bench.Snp(Firmware.Psp.Mailbox.SnpCommandId.SnpGctxCreate, PspBench.Address(tdiLike.PhysicalAddress)));
        return tdiLike;
    }

    private static ScatterListAddress Twice(PspBench bench)
    {
        var page = bench.FirmwarePage();
        var list = bench.FirmwarePage();
        var bytes = new byte[4096];
        ScatterPage.Encode([ScatterListAddress.FromPhysicalAddress(page), ScatterListAddress.FromPhysicalAddress(page)], bytes);
        bench.Platform.Memory.Write(list, bytes);
        return ScatterListAddress.Scatter(list >> 12);
    }

    [Fact]
    public void DevCreate_ContextChecks_MatchingErrorCodes()
    {
        using var bench = new PspBench();
        bench.Init();

        Assert.Equal(PspReturnCode.InvalidLength, bench.CreateDevice(pages: 1));
        Assert.Equal(PspReturnCode.InvalidPageState, bench.Run(new TioDevCreateCommand(bench.Buffer(2, firmware: false), TeeIoTestDevice.Bdf, 1, 0)));
        Assert.Equal(PspReturnCode.InvalidParam, bench.Run(new TioDevCreateCommand(bench.Buffer(2), TeeIoTestDevice.Bdf, 9, 0)));
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        Assert.Equal(PspReturnCode.InUse, bench.Run(new TioDevCreateCommand(bench.Buffer(2), TeeIoTestDevice.Bdf, 1, 0)));
        Assert.Equal(PspReturnCode.InUse, bench.Run(new TioDevCreateCommand(bench.DeviceContext, 0x0200, 1, 0)));
    }

    [Fact]
    public void DevStatus_Connected_ReportsStateStreamsAndTheChainDigest()
    {
        using var bench = new PspBench();
        bench.Connected();

        Assert.Equal(PspReturnCode.Success, bench.Run(new TioDevStatusCommand(bench.DeviceContext, bench.DataPage)));

        var status = TioDeviceStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioDeviceStatus.Size));
        Assert.Equal(TeeIoTestDevice.Bdf, status.DeviceId);
        Assert.Equal(1, status.TrafficClassMask);
        Assert.Equal(PspBench.StreamId, status.IdeStreamIds[0]);
        Assert.Equal(IdeStreamIds.Unused, status.IdeStreamIds[1]);
        Assert.Equal(SHA384.HashData(bench.Device.Identity.CertificateChain), status.CertificatesDigest.ToArray());
        Assert.Equal(TioSpdmAlgorithms.Default, status.Algorithms);
        Assert.Equal(TioDeviceStatusP1Flags.None, status.P1Flags);
    }

    [Fact]
    public void DevMeasurements_SignedResponseOutputAndFreshWithANonce()
    {
        using var bench = new PspBench();
        bench.Connected();
        var nonce = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioDevMeasurementsCommand(TioDevMeasurementsFlags.None, c, bench.DeviceContext, MeasurementNonce.FromBytes(nonce))));

        var blob = SlaBuffer.ReadDeviceObject(bench.ReadBuffer(bench.Spdm.Output), DataObjectId.Measurement).Data.ToArray();
        var measurements = SpdmMeasurements.Decode(blob, SpdmSignature.Size);
        Assert.Equal(bench.Device.Measurements.Blocks.Count, measurements.Blocks.Count);
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioDevStatusCommand(bench.DeviceContext, bench.DataPage)));
        var status = TioDeviceStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioDeviceStatus.Size));
        Assert.Equal(SHA384.HashData(blob), status.MeasurementsDigest.ToArray());
        Assert.Equal(TioDeviceStatusP2Flags.MeasurementDigestValid, status.P2Flags);
    }

    [Fact]
    public void DevMeasurementsAndCertificates_BeforeConnect_InvalidDeviceState()
    {
        using var bench = new PspBench();
        bench.Init();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());

        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Relayed(c => new TioDevMeasurementsCommand(TioDevMeasurementsFlags.None, c, bench.DeviceContext, default)));
        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Relayed(c => new TioDevCertificatesCommand(c, bench.DeviceContext)));
        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Relayed(c => new TioRollKeyCommand(c, bench.DeviceContext)));
    }

    [Fact]
    public void DevCertificates_OutputsTheVerifiedChain()
    {
        using var bench = new PspBench();
        bench.Connected();
        bench.Spdm = bench.NewSpdmBuffers();

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioDevCertificatesCommand(c, bench.DeviceContext)));

        Assert.Equal(bench.Device.Identity.CertificateChain, SlaBuffer.ReadDeviceObject(bench.ReadBuffer(bench.Spdm.Output), DataObjectId.Certificate).Data.ToArray());
    }

    [Fact]
    public void RollKey_Twice_FreshKeysEachTimeAndTheTransmitterMovesToTheNewSet()
    {
        using var bench = new PspBench();
        bench.Connected();
        var rootStream = bench.Device.RootPort.FindStream(PspBench.StreamId)!;
        Assert.Equal(IdeKeySet.K0, rootStream.GetTransmitKeySet(IdeSubstream.Posted));

        Assert.True(bench.Relayed(c => new TioRollKeyCommand(c, bench.DeviceContext)) == PspReturnCode.Success, bench.Psp.LastDeviceFailure);
        Assert.Equal(IdeKeySet.K1, rootStream.GetTransmitKeySet(IdeSubstream.Posted));
        Assert.Equal(IdeKeySet.K1, bench.Device.Ide.FindStream(PspBench.StreamId)!.GetTransmitKeySet(IdeSubstream.Completion));

        // The second refresh first stops the idle set K0 at both ends, then programs it.
        Assert.True(bench.Relayed(c => new TioRollKeyCommand(c, bench.DeviceContext)) == PspReturnCode.Success, bench.Psp.LastDeviceFailure);
        Assert.Equal(IdeKeySet.K0, rootStream.GetTransmitKeySet(IdeSubstream.NonPosted));
        Assert.Equal(IdeStreamState.Secure, rootStream.State);
        Assert.Equal(IdeStreamState.Secure, bench.Device.Ide.FindStream(PspBench.StreamId)!.State);
        Assert.Equal(18, bench.Device.Keys.Keys.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void DevDisconnect_ForceWhileConnectAwaitsTheRelay_AbandonsItAndAFreshConnectWorks()
    {
        using var bench = new PspBench();
        bench.Init();
        bench.ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, bench.CreateDevice());
        var ids = IdeStreamIds.AllUnused();
        ids[0] = PspBench.StreamId;
        Assert.Equal(PspReturnCode.SpdmRequest, bench.Run(new TioDevConnectCommand(bench.Spdm, bench.DeviceContext, 1, 0, ids)));

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioDevDisconnectCommand(TioDevDisconnectFlags.Force, c, bench.DeviceContext)));

        Assert.True(bench.Connect() == PspReturnCode.Success, bench.Psp.LastDeviceFailure);
        bench.EnableStreams();
        Assert.Equal(IdeStreamState.Secure, bench.Device.RootPort.FindStream(PspBench.StreamId)!.State);
    }

    [Fact]
    public void Disconnect_ThenReclaim_ContextPagesReleasedAndReclaimable()
    {
        using var bench = new PspBench();
        bench.Connected();
        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Run(new TioDevReclaimCommand(bench.DeviceContext)));

        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioDevDisconnectCommand(TioDevDisconnectFlags.None, c, bench.DeviceContext)));

        // END_SESSION ended the device's keys; the PSP stopped the root port's.
        Assert.Equal(IdeStreamState.Insecure, bench.Device.Ide.FindStream(PspBench.StreamId)!.State);
        Assert.Equal((false, false), bench.Device.RootPort.FindStream(PspBench.StreamId)!.GetKeyState(IdeSubstream.Posted, IdeDirection.Transmit, IdeKeySet.K0));
        Assert.Equal(PspReturnCode.InvalidDeviceState, bench.Relayed(c => new TioDevDisconnectCommand(TioDevDisconnectFlags.None, c, bench.DeviceContext)));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioDevReclaimCommand(bench.DeviceContext)));
        Assert.Equal(PspReturnCode.InvalidDeviceContext, bench.Run(new TioDevReclaimCommand(bench.DeviceContext)));
        foreach (var page in bench.Pages(bench.DeviceContext).Append(bench.DeviceContext.PhysicalAddress))
        {
            Assert.Equal(PspReturnCode.Success, bench.Snp(Firmware.Psp.Mailbox.SnpCommandId.SnpPageReclaim, PspBench.Address(page)));
            Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(page).Owner);
        }
    }
}
