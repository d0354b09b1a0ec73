using CsCheck;
using SevTio.Firmware.Psp;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>
/// The PSP firmware's command processing as an untrusted host drives it: a command buffer built from the platform's
/// live state (its device and TDI contexts, SPDM buffers, guest context, a sealed guest message) with random other
/// fields, mutated, written to a host page and issued through the mailbox — SEV-TIO commands 0xD0-0xE4, the SNP
/// commands, and other ids.
/// </summary>
/// <remarks>
/// Oracle: the mailbox never throws and always answers a status; a command refused at once (any status other than
/// SUCCESS, SPDM_REQUEST and EXPAND_BUFFER_LENGTH_REQUEST) changes nothing — device, TDI and guest contexts, the
/// firmware's sequence numbers, root port and device IDE keys, the TDI's TDISP state, and the RMP entry and contents of
/// every page the buffer names or the platform holds. A command the PSP starts is completed through the host's relay as
/// a host would. Platforms (brought up to each stage: initialised, device connected, TDI bound, TDI running) are reused
/// while inputs leave them usable and rebuilt otherwise.
/// </remarks>
public sealed class PspCommandFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly PspReturnCode[] s_started = [PspReturnCode.Success, PspReturnCode.SpdmRequest, PspReturnCode.ExpandBufferLengthRequest];

    private readonly Dictionary<PlatformStage, PlatformFixture> _fixtures = [];
    private int _seed = 50;

    [Fact]
    public void MailboxExecute_MutatedCommandBuffers_StatusCodeAndNoStateChangeWhenRefused()
    {
        var inputs = Gen.Select(FuzzGen.OneOf(Enum.GetValues<PlatformStage>()), Gen.Int[0, 999], Gen.ULong, (stage, kind, seed) => new PspInput(stage, kind, seed));
        var stats = FuzzRunner.Run("PSP command processing", inputs, Check, output, x => x.ToString(), ciIterations: 115_000, shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 12);
    }

    /// <summary>The oracle's snapshot sees a changed page, a changed RMP entry and a changed context.</summary>
    [Fact]
    public void Snapshot_SeesChanges()
    {
        using var f = new PlatformFixture(PlatformStage.Running, 7);
        var before = f.Snapshot([f.CommandPage]);
        Assert.Null(f.ChangesSince(before));
        f.Platform.Memory.Write(f.DataPage + 100, [0x5A]);
        Assert.Contains($"0x{f.DataPage:X}", f.ChangesSince(before));

        before = f.Snapshot([f.CommandPage]);
        Assert.Equal(PspReturnCode.Success, f.Hypervisor.Psp.ReclaimFirmwarePage(f.SparePage));
        Assert.Contains("RMP entry", f.ChangesSince(before));

        before = f.Snapshot([]);
        Assert.Equal(PspReturnCode.Success, f.Link.Unbind(f.Tdi));
        Assert.Contains("state", f.ChangesSince(before));
    }

    public void Dispose()
    {
        foreach (var f in _fixtures.Values)
        {
            f.Dispose();
        }
    }

    private FuzzOutcome Check(PspInput input, FuzzStatistics stats)
    {
        var fixture = FixtureFor(input.Stage, stats);
        var pcg = new PCG(23, input.Seed);
        var (command, valid) = Build(fixture, input.Kind, pcg);
        // One input in eight goes unmutated (the valid command moves the platform on: sequence numbers, key sets, reports).
        var mutated = pcg.Next(8) != 0;
        var buffer = mutated ? Mutate.Once(pcg, valid, Gen.Const(valid), maxLength: 160) : valid;
        stats.Bump(mutated ? "mutated inputs" : "unmutated inputs");
        var pages = NamedPages(valid).Concat(NamedPages(buffer)).ToList();
        fixture.WriteCommand(buffer);
        var before = fixture.Snapshot(pages);
        PspReturnCode status;
        try
        {
            status = fixture.Execute(command);
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"the mailbox threw on command 0x{command:X} with buffer {FuzzRunner.Hex(buffer)}{fixture.HistoryText}", e);
        }
        if (!Enum.IsDefined(status))
        {
            throw new FuzzOracleException($"command 0x{command:X} answered an undefined status 0x{(uint)status:X}");
        }

        if (!s_started.Contains(status))
        {
            if (fixture.ChangesSince(before) is { } difference)
            {
                throw new FuzzOracleException($"command 0x{command:X} was refused with {status} but changed {difference}\n buffer {FuzzRunner.Hex(buffer)}{fixture.HistoryText}");
            }

            if (!mutated)
            {
                stats.Bump("unmutated inputs refused (by state)");
            }

            return FuzzOutcome.Reject(status.ToString());
        }

        // The PSP read the command page (the buffer zero-filled to 4 KiB), not the buffer.
        var page = new byte[4096];
        buffer.AsSpan(0, Math.Min(buffer.Length, page.Length)).CopyTo(page);
        if (status == PspReturnCode.SpdmRequest && SpdmControlOf((PspCommandId)command, page) is { } control)
        {
            try
            {
                status = fixture.Continue(command, page, control, status);
            }
            catch (Exception e)
            {
                throw new FuzzOracleException($"the mailbox threw while the host relayed command 0x{command:X} ({FuzzRunner.Hex(buffer)}){fixture.HistoryText}", e);
            }
        }

        stats.Bump($"started {(PspCommandId)command}");
        fixture.History.Add($"{input} -> 0x{command:X} {status}: {FuzzRunner.Hex(buffer)}");
        if (command is (uint)PspCommandId.TioDevCreate or (uint)PspCommandId.TioTdiCreate or (uint)SnpCommandId.SnpGctxCreate or (uint)SnpCommandId.SnpPageReclaim)
        {
            fixture.RenewSpares();
        }

        if (status is PspReturnCode.SpdmRequest or PspReturnCode.ExpandBufferLengthRequest)
        {
            // An operation left outstanding (its buffers named elsewhere): the platform is rebuilt for the next input.
            Retire(input.Stage, stats);
        }

        return FuzzOutcome.Accept;
    }

    /// <summary>A command valid for the platform's state, most fields from it, some random.</summary>
    private static (uint Command, byte[] Buffer) Build(PlatformFixture f, int kind, PCG pcg)
    {
        ScatterListAddress Pick(ScatterListAddress? live) => live is { } l && pcg.Next(8) != 0 ? l : PspGen.Sla.Generate(pcg, null, out _);
        ulong Address(ulong live) => pcg.Next(8) != 0 ? live : pcg.Next(2) == 0 ? pcg.Next64() : (ulong)pcg.Next() << 12;
        var device = Pick(f.DeviceContext);
        var tdi = Pick(f.TdiContext);
        var spdm = pcg.Next(8) != 0 ? f.Spdm.Control : PspGen.Control.Generate(pcg, null, out _);
        var gctx = Address(f.Guest.GuestContextAddress);
        var data = Address(f.DataPage);
        var id = TdispInterfaceId.Create(SevTio.TestSupport.TeeIoTestDevice.Bdf);
        return kind switch
        {
            < 100 => Command(new TioStatusCommand(data)),
            < 190 => Command(new TioDevStatusCommand(device, data)),
            < 280 => Command(new TioTdiInfoCommand(device, tdi, data)),
            < 350 => Command(new TioAsidFenceStatusCommand(device, (uint)(pcg.Next(4) == 0 ? pcg.Next(512) : (uint)f.Guest.Asid), data)),
            < 440 => Command(new TioTdiStatusCommand(spdm, device, tdi, data)),
            < 500 => Command(new TioTdiReportCommand(spdm, device, tdi, gctx)),
            < 550 => Command(new TioDevCertificatesCommand(spdm, device)),
            < 600 => Command(new TioDevMeasurementsCommand(pcg.Next(2) == 0 ? TioDevMeasurementsFlags.RawBitstream : 0, spdm, device, MeasurementNonce.FromBytes(FuzzGen.Bytes(32).Generate(pcg, null, out _)))),
            < 760 => GuestRequest(f, pcg, spdm, device, tdi, gctx),
            < 790 => Command(default(TioInitCommand)),
            < 820 => Command(new TioDevCreateCommand(Pick(f.SpareDeviceContext.Sla), (ushort)(pcg.Next(2) == 0 ? SevTio.TestSupport.TeeIoTestDevice.Bdf : pcg.Next()), (ushort)pcg.Next(3), 0)),
            < 850 => Command(new TioTdiCreateCommand(device, Pick(f.SpareTdiContext.Sla), pcg.Next(2) == 0 ? id : PspGen.InterfaceId.Generate(pcg, null, out _))),
            < 870 => Command(new TioTdiBindCommand(spdm, device, tdi, gctx, PlatformFixture.GuestRid, PspGen.LockFlags.Generate(pcg, null, out _), pcg.Next(2) == 0 ? TioTdiRunFlags.RunForce : 0)),
            < 885 => Command(new TioTdiUnbindCommand(pcg.Next(2) == 0 ? TioTdiUnbindFlags.Force : 0, spdm, device, tdi, gctx)),
            < 895 => Command(new TioRollKeyCommand(spdm, device)),
            < 905 => Command(new TioAsidFenceClearCommand(device, gctx)),
            < 912 => Command(new TioTdiReclaimCommand(device, tdi)),
            < 918 => Command(new TioDevDisconnectCommand(pcg.Next(2) == 0 ? TioDevDisconnectFlags.Force : 0, spdm, device)),
            < 922 => Command(new TioDevReclaimCommand(device)),
            < 930 => Command(new TioDevConnectCommand(spdm, device, 1, 0, StreamIds(pcg))),
            < 950 => Snp(SnpCommandId.SnpGctxCreate, new byte[SnpAddressCommand.Size], b => new SnpAddressCommand(Address(f.SparePage)).Encode(b)),
            < 960 => Snp(SnpCommandId.SnpActivate, new byte[SnpActivateCommand.Size], b => new SnpActivateCommand(gctx, pcg.Next(16)).Encode(b)),
            < 970 => Snp(SnpCommandId.SnpLaunchUpdate, new byte[SnpLaunchUpdateCommand.Size], b => new SnpLaunchUpdateCommand(gctx, (SnpPageType)pcg.Next(8), Address(f.CommandPage)).Encode(b)),
            < 975 => Snp(SnpCommandId.SnpDecommission, new byte[SnpAddressCommand.Size], b => new SnpAddressCommand(gctx).Encode(b)),
            < 985 => Snp(SnpCommandId.SnpPageReclaim, new byte[SnpAddressCommand.Size], b => new SnpAddressCommand(Address(pcg.Next(2) == 0 ? f.SparePage : f.SpareDeviceContext.Pages[0])).Encode(b)),
            _ => (pcg.Next(2048), FuzzGen.Bytes(8, 128).Generate(pcg, null, out _)),
        };
    }

    private static IdeStreamIds StreamIds(PCG pcg)
    {
        var ids = IdeStreamIds.AllUnused();
        ids[0] = (byte)(pcg.Next(4) == 0 ? pcg.Next(256) : 1);
        return ids;
    }

    /// <summary>TIO_GUEST_REQUEST with a message the guest sealed (the next sequence number, or another) in the request page.</summary>
    private static (uint, byte[]) GuestRequest(PlatformFixture f, PCG pcg, SpdmControl spdm, ScatterListAddress device, ScatterListAddress tdi, ulong gctx)
    {
        var expected = f.Psp.Guests.TryGetValue(f.Guest.GuestContextAddress, out var guest) ? guest.NextSequence[0] : 1;
        var sequence = expected + (pcg.Next(6) == 0 ? pcg.Next(4) : 0);
        var payload = new byte[TdiInfoRequest.Size];
        new TdiInfoRequest(PlatformFixture.GuestRid).Encode(payload, TioMessageVersion.V1);
        var page = f.SealGuestMessage(SnpGuestMessageType.TioTdiInfoRequest, 1, payload, sequence);
        if (pcg.Next(3) == 0)
        {
            page[(int)pcg.Next(SnpGuestMessageHeader.Size + (uint)payload.Length)] ^= (byte)(1 << (int)pcg.Next(8));
        }

        f.Platform.Memory.Write(f.RequestPage, page);
        return Command(new TioGuestRequestCommand(spdm, device, tdi, gctx, f.RequestPage, f.ResponsePage));
    }

    private static (uint, byte[]) Command<T>(T command)
        where T : struct, IPspCommandBuffer<T>
    {
        var bytes = new byte[T.EncodedSize];
        command.Encode(bytes);
        return ((uint)T.CommandId, bytes);
    }

    private static (uint, byte[]) Snp(SnpCommandId command, byte[] bytes, Action<byte[]> encode)
    {
        encode(bytes);
        return ((uint)command, bytes);
    }

    /// <summary>The SPDM control of a command the PSP accepted far enough to ask for an exchange.</summary>
    private static SpdmControl? SpdmControlOf(PspCommandId command, byte[] buffer) => command switch
    {
        PspCommandId.TioDevConnect => TioDevConnectCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioDevDisconnect => TioDevDisconnectCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioDevMeasurements => TioDevMeasurementsCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioDevCertificates => TioDevCertificatesCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioTdiBind => TioTdiBindCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioTdiUnbind => TioTdiUnbindCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioTdiReport => TioTdiReportCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioTdiStatus => TioTdiStatusCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioGuestRequest => TioGuestRequestCommand.Decode(buffer).SpdmControl,
        PspCommandId.TioRollKey => TioRollKeyCommand.Decode(buffer).SpdmControl,
        _ => null,
    };

    /// <summary>Pages a buffer may name: every page-aligned 8-byte field below the top of memory (SLAs and addresses).</summary>
    private static IEnumerable<ulong> NamedPages(byte[] buffer)
    {
        for (var i = 0; i + 8 <= buffer.Length; i += 4)
        {
            var value = BitConverter.ToUInt64(buffer, i) & ScatterListAddress.PfnMask;
            if (value != 0 && value < SevTio.TestSupport.SevTioTestPlatform.MemorySize)
            {
                yield return value;
            }
        }
    }

    private PlatformFixture FixtureFor(PlatformStage stage, FuzzStatistics stats)
    {
        if (_fixtures.TryGetValue(stage, out var fixture) && IsUsable(fixture))
        {
            return fixture;
        }

        if (fixture is not null)
        {
            Retire(stage, stats);
        }

        fixture = new PlatformFixture(stage, _seed++);
        _fixtures[stage] = fixture;
        return fixture;
    }

    /// <summary>The platform still has what its stage's commands name (inputs the PSP accepted may have torn it down).</summary>
    private static bool IsUsable(PlatformFixture f)
    {
        var device = f.Psp.Devices.Values.FirstOrDefault();
        return f.Stage switch
        {
            PlatformStage.Initialized => device is null || device.Pending is null,
            _ => device is { State: TioDeviceState.Connected, Pending: null } && f.Psp.Guests.ContainsKey(f.Guest.GuestContextAddress)
                && (f.Stage == PlatformStage.Connected || f.TdiContext is { } tdi && f.Psp.Tdis.ContainsKey(tdi.PhysicalAddress)),
        };
    }

    private void Retire(PlatformStage stage, FuzzStatistics stats)
    {
        if (_fixtures.Remove(stage, out var fixture))
        {
            fixture.Dispose();
            stats.Bump("platform rebuilds");
        }
    }

    internal sealed record PspInput(PlatformStage Stage, int Kind, ulong Seed)
    {
        public override string ToString() => $"stage {Stage}, command kind {Kind}, seed {Seed:X16}";
    }
}
