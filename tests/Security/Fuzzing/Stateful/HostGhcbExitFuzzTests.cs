using System.Security.Cryptography;
using CsCheck;
using SevTio.Firmware.Psp;
using SevTio.Host.Snp;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Stateful;

/// <summary>
/// The hypervisor's GHCB exit handling as an untrusted guest drives it: a valid exit — SEV_TIO_GUEST_REQUEST with a
/// message the guest sealed under VMPCK0 in its shared pages, SEV_TIO_OP, Page State Change with the descriptor in the
/// GHCB or in another shared page, or some other exit code — written into the guest's GHCB page, its compact block
/// (<see cref="GhcbCompact"/>) or its guest message mutated, then VMGEXIT.
/// </summary>
/// <remarks>
/// Oracle, per input: nothing escapes VMGEXIT. The hypervisor answers the way the GHCB decoders say it must: an exit it
/// cannot decode (or does not know) is answered with the GHCB error (SW_EXITINFO1 = 2, SW_EXITINFO2 = invalid input or
/// invalid usage) and changes nothing at the PSP or in the guest's RMP entries; a guest request answered with an error
/// changes nothing at the PSP; an answered guest request's response opens under VMPCK0 with the next sequence number
/// and its blob table (when blobs were asked for) decodes; SEV_TIO_OP answers a defined PSP status; a page state change
/// answers 0 or 1, hands back the same descriptor with cur_entry not gone backwards, and every entry it says it did has
/// the RMP state asked for. After every input the host's view of the TDI (context, bound) agrees with the PSP's.
/// </remarks>
public sealed class HostGhcbExitFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const ulong GhcbError = 2;
    private const ulong GhcbErrorInvalidUsage = 3;
    private const ulong GhcbErrorInvalidInput = 4;
    private const int InputsPerPlatform = 4_000;

    private readonly Dictionary<PlatformStage, (PlatformFixture Fixture, int Inputs)> _fixtures = [];
    private int _seed = 200;

    [Fact]
    public void VmgExit_MutatedExitsFromTheGuest_AnsweredAndNoStateChangeWhenRefused()
    {
        var inputs = Gen.Select(FuzzGen.OneOf(Enum.GetValues<PlatformStage>()), Gen.Int[0, 999], Gen.ULong, (stage, kind, seed) => new ExitInput(stage, kind, seed));
        var stats = FuzzRunner.Run("Host GHCB exit handling", inputs, Check, output, x => x.ToString(), ciIterations: 100_000, shrink: false);
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 10);
    }

    public void Dispose()
    {
        foreach (var (fixture, _) in _fixtures.Values)
        {
            fixture.Dispose();
        }
    }

    private FuzzOutcome Check(ExitInput input, FuzzStatistics stats)
    {
        var fixture = FixtureFor(input.Stage, stats);
        var guest = fixture.Guest;
        var pcg = new PCG(29, input.Seed);
        var exit = Build(fixture, input.Kind, pcg);

        // Mutate the GHCB block (most inputs), the guest message (some guest requests), or nothing (one in eight).
        var compact = exit.Compact;
        var choice = pcg.Next(8);
        if (choice == 0)
        {
            stats.Bump("unmutated inputs");
        }
        else if (exit.Message is { } message && choice <= 2)
        {
            var length = SnpGuestMessageHeader.Size + exit.PayloadLength;
            var mutated = Mutate.Once(pcg, message.AsSpan(0, length).ToArray(), Gen.Const(message[..length]), maxLength: 4096);
            var page = new byte[SnpGuestMessage.PageSize];
            mutated.CopyTo(page, 0);
            Write(guest, RequestGpa(guest), page);
            stats.Bump("mutated guest messages");
        }
        else
        {
            compact = Mutate.Once(pcg, compact, Gen.Const(compact), maxLength: GhcbCompact.Length);
            stats.Bump("mutated GHCB blocks");
        }

        var ghcbIn = GhcbCompact.Materialize(compact);
        Write(guest, guest.GhcbGpa, ghcbIn);
        var expected = Expect(fixture, ghcbIn);
        var before = expected.Kind is Expectation.GhcbError or Expectation.GuestRequest ? fixture.Snapshot([]) : null;
        var rmpBefore = expected.Kind == Expectation.GhcbError ? GuestRmp(fixture) : null;
        try
        {
            guest.Vcpu.VmgExit();
        }
        catch (Exception e)
        {
            throw new FuzzOracleException($"VMGEXIT threw on a {expected.Kind} exit: GHCB block {FuzzRunner.Hex(compact)}{fixture.HistoryText}", e);
        }

        var ghcb = new GhcbPage(fixture.Hypervisor.ReadGuest(guest, guest.GhcbGpa, GhcbPage.Size));
        var outcome = expected.Kind switch
        {
            Expectation.GhcbError => CheckGhcbError(fixture, ghcb, expected, before!, rmpBefore!),
            Expectation.GuestRequest => CheckGuestRequest(fixture, ghcb, expected, before!, stats),
            Expectation.TioOp => CheckTioOp(ghcb, stats),
            _ => CheckPageStateChange(fixture, ghcb, expected, stats),
        };
        CheckHostAgreesWithPsp(fixture);
        if (outcome.Accepted)
        {
            fixture.History.Add($"{input} -> {expected.Kind}: {FuzzRunner.Hex(compact)}");
        }

        return outcome;
    }

    // ---- the valid exits -----------------------------------------------------------------------------------------

    private sealed record ValidExit(byte[] Compact, byte[]? Message, int PayloadLength);

    private static ValidExit Build(PlatformFixture f, int kind, PCG pcg)
    {
        var guest = f.Guest;
        return kind switch
        {
            < 450 => GuestRequest(f, pcg),
            < 650 => new ValidExit(GhcbCompact.Compact(page => SevTioOpExit.Write(page, new TioOpExitInfo(
                pcg.Next(8) != 0 ? PlatformFixture.GuestRid : pcg.Next(), (TioOpAction)pcg.Next(4)))), null, 0),
            < 900 => PageStateChange(f, pcg),
            _ => new ValidExit(GhcbCompact.Compact(page =>
            {
                page.Invalidate();
                var code = pcg.Next(4) switch
                {
                    0 => VmgExitCode.SnpGuestRequest,
                    1 => VmgExitCode.SnpExtendedGuestRequest,
                    2 => VmgExitCode.HypervisorFeatures,
                    _ => (VmgExitCode)pcg.Next64(),
                };
                page.WriteExit(code, pcg.Next64(), pcg.Next64());
            }), null, 0),
        };
    }

    /// <summary>A TIO guest request sealed under VMPCK0 in the request page, and the exit naming the shared pages.</summary>
    private static ValidExit GuestRequest(PlatformFixture f, PCG pcg)
    {
        var guest = f.Guest;
        var expected = f.Psp.Guests.TryGetValue(guest.GuestContextAddress, out var context) ? context.NextSequence[0] : 1;
        var sequence = pcg.Next(8) != 0 ? expected : expected + pcg.Next(3) - 1;
        SnpGuestMessageType type;
        TioMessageVersion version;
        byte[] payload;
        ulong param;
        if (pcg.Next(4) != 0)
        {
            version = pcg.Next(2) == 0 ? TioMessageVersion.V1 : TioMessageVersion.V2;
            var id = version == TioMessageVersion.V1 ? PlatformFixture.GuestRid : f.Tdi.FirmwareTdiId;
            type = SnpGuestMessageType.TioTdiInfoRequest;
            payload = new byte[TdiInfoRequest.Size];
            new TdiInfoRequest(id).Encode(payload, version);
            param = pcg.Next(16);
        }
        else
        {
            (type, version, payload) = GuestMessageFuzzTests.Payloads.Where(p => (byte)p.Type % 2 == 1).Generate(pcg, null, out _);
            param = pcg.Next64();
        }

        var message = f.SealGuestMessage(type, (byte)version, payload, sequence);
        Write(guest, RequestGpa(guest), message);
        var pages = pcg.Next(8) != 0 ? DataPages : pcg.Next(3);
        var exit = new SevTioGuestRequestExit(RequestGpa(guest), ResponseGpa(guest), DataGpa(guest), pages, pcg.Next(8) != 0 ? PlatformFixture.GuestRid : pcg.Next(), param);
        return new ValidExit(GhcbCompact.Compact(exit.Write), message, payload.Length);
    }

    /// <summary>A page state change for guest pages (the GHCB and shared buffers excepted), its descriptor in the GHCB or elsewhere.</summary>
    private static ValidExit PageStateChange(PlatformFixture f, PCG pcg)
    {
        var guest = f.Guest;
        var privatePages = (uint)(guest.MemoryBytes >> 12);
        var entries = new PageStateChangeEntry[1 + pcg.Next(16)];
        for (var i = 0; i < entries.Length; i++)
        {
            var gfn = pcg.Next(16) != 0 ? pcg.Next(privatePages) : pcg.Next64() & ((1UL << 40) - 1);
            if (gfn == guest.SecretsGpa >> 12)
            {
                gfn--;
            }

            var operation = pcg.Next(8) != 0 ? (PageStateOperation)(1 + pcg.Next(2)) : (PageStateOperation)(1 + pcg.Next(4));
            entries[i] = new PageStateChangeEntry((ushort)pcg.Next(2), gfn, operation, pcg.Next(16) == 0);
        }

        var descriptor = PageStateChangeDescriptor.Create(entries) with { CurrentEntry = (ushort)(pcg.Next(4) == 0 ? pcg.Next((uint)entries.Length + 1) : 0) };
        var inGhcb = pcg.Next(4) != 0;
        var compact = GhcbCompact.Compact(page =>
        {
            page.Invalidate();
            if (inGhcb)
            {
                descriptor.Encode(page.SharedBuffer);
                page.Set(GhcbField.SwScratch, guest.GhcbGpa + GhcbPage.SharedBufferOffset);
            }
            else
            {
                var buffer = new byte[GhcbPage.SharedBufferSize];
                descriptor.Encode(buffer);
                Write(guest, guest.SwiotlbGpa, buffer);
                page.Set(GhcbField.SwScratch, guest.SwiotlbGpa);
            }

            page.WriteExit(VmgExitCode.PageStateChange, 0, 0);
        });
        return new ValidExit(compact, null, 0);
    }

    // ---- what the hypervisor must answer ---------------------------------------------------------------------------

    private enum Expectation
    {
        GhcbError,
        GuestRequest,
        TioOp,
        PageStateChange,
    }

    private sealed record Expected(Expectation Kind, ulong ErrorReason = 0, SevTioGuestRequestExit Request = default, byte[]? Message = null, PageStateChangeDescriptor? Descriptor = null, ulong Scratch = 0);

    /// <summary>What the GHCB decoders make of the page the guest wrote (the hypervisor's reading, done independently).</summary>
    private static Expected Expect(PlatformFixture f, byte[] page)
    {
        var ghcb = new GhcbPage(page);
        try
        {
            var exit = ghcb.ReadExit();
            switch (exit.ExitCode)
            {
                case VmgExitCode.SevTioGuestRequest:
                    var request = SevTioGuestRequestExit.Read(ghcb);
                    return new Expected(Expectation.GuestRequest, Request: request, Message: f.Hypervisor.ReadGuest(f.Guest, request.RequestGpa, SnpGuestMessage.PageSize));
                case VmgExitCode.SevTioOp:
                    SevTioOpExit.Read(ghcb);
                    return new Expected(Expectation.TioOp);
                case VmgExitCode.PageStateChange:
                    var scratch = ghcb.Get(GhcbField.SwScratch);
                    var bytes = scratch == f.Guest.GhcbGpa + GhcbPage.SharedBufferOffset
                        ? ghcb.SharedBuffer.ToArray()
                        : f.Hypervisor.ReadGuest(f.Guest, scratch, GhcbPage.SharedBufferSize);
                    return new Expected(Expectation.PageStateChange, Descriptor: PageStateChangeDescriptor.Decode(bytes), Scratch: scratch);
                default:
                    return new Expected(Expectation.GhcbError, GhcbErrorInvalidUsage);
            }
        }
        catch (ProtocolFormatException)
        {
            return new Expected(Expectation.GhcbError, GhcbErrorInvalidInput);
        }
    }

    private static FuzzOutcome CheckGhcbError(PlatformFixture f, GhcbPage ghcb, Expected expected, PlatformSnapshot before, RmpEntry[] rmpBefore)
    {
        Require(ghcb.GetRaw(GhcbField.SwExitInfo1) == GhcbError && ghcb.GetRaw(GhcbField.SwExitInfo2) == expected.ErrorReason,
            $"an exit the decoders refuse was answered SW_EXITINFO1=0x{ghcb.GetRaw(GhcbField.SwExitInfo1):X}, SW_EXITINFO2=0x{ghcb.GetRaw(GhcbField.SwExitInfo2):X}, not the GHCB error (2, {expected.ErrorReason})");
        RequireUnchanged(f, before, "a refused exit");
        var rmpAfter = GuestRmp(f);
        for (var i = 0; i < rmpAfter.Length; i++)
        {
            Require(rmpAfter[i] == rmpBefore[i], $"a refused exit changed the RMP entry of guest page {i}");
        }

        return FuzzOutcome.Reject(expected.ErrorReason == GhcbErrorInvalidUsage ? "GHCB error: invalid usage" : "GHCB error: invalid input");
    }

    private static FuzzOutcome CheckGuestRequest(PlatformFixture f, GhcbPage ghcb, Expected expected, PlatformSnapshot before, FuzzStatistics stats)
    {
        var result = SevTioGuestRequestExit.ReadResult(ghcb);
        if (!result.IsSuccess)
        {
            // BUSY, INVALID_LEN, an unknown guest RID, or the PSP's refusal: the PSP's state as it was.
            RequireUnchanged(f, before, $"a guest request answered {Describe(result)}");
            if (result.VmmError == VmmError.InvalidLength)
            {
                Require(ghcb.GetRaw(GhcbField.Rbx) > expected.Request.DataPages, $"INVALID_LEN asks for {ghcb.GetRaw(GhcbField.Rbx)} pages, the guest gave {expected.Request.DataPages}");
            }

            return FuzzOutcome.Reject($"guest request: {Describe(result)}");
        }

        // Answered: the response the PSP sealed opens under VMPCK0 as the next message.
        // (Unless the guest pointed its data buffer over its response page: the blob table then overwrites it.)
        var request = SnpGuestMessage.Read(expected.Message).Header;
        if (expected.Request.ResponseGpa == ResponseGpa(f.Guest) && expected.Request.DataGpa == DataGpa(f.Guest))
        {
            var page = f.Hypervisor.ReadGuest(f.Guest, expected.Request.ResponseGpa, SnpGuestMessage.PageSize);
            var response = SnpGuestMessage.Read(page);
            Require(response.Header.SequenceNumber == request.SequenceNumber + 1 && response.Header.MessageType == request.MessageType + 1,
                $"the response is {response.Header.MessageType} #{response.Header.SequenceNumber} to {request.MessageType} #{request.SequenceNumber}");
            var nonce = new byte[12];
            BitConverter.TryWriteBytes(nonce, response.Header.SequenceNumber);
            var plaintext = new byte[response.Ciphertext.Length];
            using var aead = new AesGcm(f.Vmpck0, 16);
            try
            {
                aead.Decrypt(nonce, response.Ciphertext, response.AuthTag, plaintext, response.AssociatedData);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new FuzzOracleException("the response to an answered guest request does not open under VMPCK0");
            }

            stats.Bump($"answered {request.MessageType}");
        }

        if (request.MessageType == SnpGuestMessageType.TioTdiInfoRequest && expected.Request.DataGpa == DataGpa(f.Guest)
            && ((TioGuestRequestParam)expected.Request.Param & (TioGuestRequestParam.Certificates | TioGuestRequestParam.Measurements | TioGuestRequestParam.Report)) != 0)
        {
            var data = f.Hypervisor.ReadGuest(f.Guest, DataGpa(f.Guest), (int)DataPages * 4096);
            try
            {
                var table = TioBlobTable.Decode(data);
                foreach (var entry in table.Entries)
                {
                    table.GetBlob(data, entry.Guid);
                }
            }
            catch (ProtocolFormatException e)
            {
                throw new FuzzOracleException($"the blob table of an answered TDI_INFO does not decode: {e.Message}");
            }
        }

        return FuzzOutcome.Accept;
    }

    private static FuzzOutcome CheckTioOp(GhcbPage ghcb, FuzzStatistics stats)
    {
        var (error, _) = SevTioOpExit.ReadResult(ghcb);
        Require(error <= uint.MaxValue && Enum.IsDefined((PspReturnCode)error), $"SEV_TIO_OP answered 0x{error:X}, not a PSP status");
        if (error != 0)
        {
            return FuzzOutcome.Reject($"SEV_TIO_OP: {(PspReturnCode)error}");
        }

        stats.Bump("SEV_TIO_OP done");
        return FuzzOutcome.Accept;
    }

    private static FuzzOutcome CheckPageStateChange(PlatformFixture f, GhcbPage ghcb, Expected expected, FuzzStatistics stats)
    {
        var failed = ghcb.GetRaw(GhcbField.SwExitInfo2);
        Require(failed <= 1, $"PSC answered SW_EXITINFO2=0x{failed:X}");
        var inGhcb = expected.Scratch == f.Guest.GhcbGpa + GhcbPage.SharedBufferOffset;
        var bytes = inGhcb ? ghcb.SharedBuffer.ToArray() : f.Hypervisor.ReadGuest(f.Guest, expected.Scratch, GhcbPage.SharedBufferSize);
        var sent = expected.Descriptor!;
        PageStateChangeDescriptor answer;
        try
        {
            answer = PageStateChangeDescriptor.Decode(bytes);
        }
        catch (ProtocolFormatException e) when (!inGhcb && !IsShared(f, expected.Scratch))
        {
            // The descriptor was in a page the host cannot write (it did not change): nothing to hand back.
            _ = e;
            return FuzzOutcome.Reject("PSC: descriptor in a private page");
        }

        Require(answer.EndEntry == sent.EndEntry && answer.Entries.SequenceEqual(sent.Entries), "PSC handed back another descriptor");
        Require(answer.CurrentEntry >= sent.CurrentEntry, $"PSC went backwards: cur_entry {sent.CurrentEntry} -> {answer.CurrentEntry}");
        Require(failed == 1 || answer.CurrentEntry == sent.EndEntry + 1, $"PSC answered success but stopped at {answer.CurrentEntry} of {sent.EndEntry}");
        // The last entry done for each page decides its state.
        var last = new Dictionary<ulong, int>();
        for (var i = sent.CurrentEntry; i < answer.CurrentEntry; i++)
        {
            last[sent.Entries[i].Gfn] = i;
        }

        foreach (var (gfn, i) in last)
        {
            var entry = sent.Entries[i];
            var gpa = gfn << 12;
            Require(f.Guest.Map.TryTranslate(gpa, out var spa, out _), $"PSC did entry {i} for unmapped GPA 0x{gpa:X}");
            var rmp = f.Platform.Rmp.ReadEntry(spa);
            var ok = entry.Operation == PageStateOperation.Private
                ? rmp.Assigned && rmp.Asid == f.Guest.Asid && rmp.Gpa == gpa
                : !rmp.Assigned;
            Require(ok, $"PSC did entry {i} ({entry.Operation} 0x{gpa:X}) but the RMP entry is {rmp}");
        }

        stats.Bump("PSC answered");
        return failed == 0 ? FuzzOutcome.Accept : FuzzOutcome.Reject("PSC: entry failed");
    }

    /// <summary>The host's record of the TDI (context, bound) is the PSP's.</summary>
    private static void CheckHostAgreesWithPsp(PlatformFixture f)
    {
        var tdi = f.Tdi;
        if (tdi.Context is null)
        {
            Require(f.Psp.Tdis.Count == 0, "the host holds no TDI context, the PSP has one");
            return;
        }

        if (!f.Psp.Tdis.TryGetValue(tdi.Context.Sla.PhysicalAddress, out var context))
        {
            throw new FuzzOracleException($"the host holds TDI context 0x{tdi.Context.Sla.PhysicalAddress:X}, the PSP does not");
        }

        Require(tdi.IsBound == (context.Binding != TioTdiBinding.Unbound), $"the host says bound={tdi.IsBound}, the PSP says {context.Binding}");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private const ulong DataPages = 14;

    private static ulong RequestGpa(SnpGuest guest) => guest.SharedBufferGpa;

    private static ulong ResponseGpa(SnpGuest guest) => guest.SharedBufferGpa + 4096;

    private static ulong DataGpa(SnpGuest guest) => guest.SharedBufferGpa + 8192;

    private static void Write(SnpGuest guest, ulong gpa, byte[] bytes)
    {
        if (!guest.Memory.Write(gpa, bytes, encrypted: false).Succeeded)
        {
            throw new InvalidOperationException($"the guest cannot write its shared page 0x{gpa:X}");
        }
    }

    private static bool IsShared(PlatformFixture f, ulong gpa) =>
        f.Guest.Map.TryTranslate(gpa, out var spa, out _) && !f.Platform.Rmp.ReadEntry(spa).Assigned;

    /// <summary>The RMP entries of every page the guest has mapped (private memory, GHCB, swiotlb, shared buffers).</summary>
    private static RmpEntry[] GuestRmp(PlatformFixture f)
    {
        var guest = f.Guest;
        var ranges = new[] { (0UL, guest.MemoryBytes), (guest.GhcbGpa, 4096UL), (guest.SwiotlbGpa, guest.SwiotlbBytes), (guest.SharedBufferGpa, guest.SharedBufferBytes) };
        var entries = new List<RmpEntry>();
        foreach (var (start, length) in ranges)
        {
            for (var gpa = start; gpa < start + length; gpa += 4096)
            {
                entries.Add(guest.Map.TryTranslate(gpa, out var spa, out _) ? f.Platform.Rmp.ReadEntry(spa) : default);
            }
        }

        return [.. entries];
    }

    private static void RequireUnchanged(PlatformFixture f, PlatformSnapshot before, string what)
    {
        if (f.ChangesSince(before) is { } difference)
        {
            throw new FuzzOracleException($"{what} changed {difference}{f.HistoryText}");
        }
    }

    private static string Describe(GuestRequestResult result) =>
        result.VmmError != VmmError.None ? result.VmmError.ToString() : ((PspReturnCode)result.FirmwareError).ToString();

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }

    private PlatformFixture FixtureFor(PlatformStage stage, FuzzStatistics stats)
    {
        if (_fixtures.TryGetValue(stage, out var entry) && entry.Inputs < InputsPerPlatform && IsUsable(entry.Fixture))
        {
            _fixtures[stage] = (entry.Fixture, entry.Inputs + 1);
            return entry.Fixture;
        }

        if (entry.Fixture is not null)
        {
            entry.Fixture.Dispose();
            stats.Bump("platform rebuilds");
        }

        var fixture = new PlatformFixture(stage, _seed++);
        _fixtures[stage] = (fixture, 1);
        return fixture;
    }

    /// <summary>The guest's GHCB and shared buffers are still shared (a page state change may have taken them private).</summary>
    private static bool IsUsable(PlatformFixture f)
    {
        var guest = f.Guest;
        for (var gpa = guest.SharedBufferGpa; gpa < guest.SharedBufferGpa + guest.SharedBufferBytes; gpa += 4096)
        {
            if (!IsShared(f, gpa))
            {
                return false;
            }
        }

        return IsShared(f, guest.GhcbGpa) && IsShared(f, guest.SwiotlbGpa);
    }

    internal sealed record ExitInput(PlatformStage Stage, int Kind, ulong Seed)
    {
        public override string ToString() => $"stage {Stage}, exit kind {Kind}, seed {Seed:X16}";
    }
}
