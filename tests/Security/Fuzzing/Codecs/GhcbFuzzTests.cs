using CsCheck;
using SevTio.Protocols.Ghcb;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// What the hypervisor reads from a guest at VMGEXIT: the GHCB's exit code, exit information and registers (with the
/// valid bitmap), the SEV-TIO guest-request and TIO_OP encodings, the RDX MMIO range descriptor, the page-state-change
/// descriptor in the shared buffer; and the TIO blob table the guest receives. Only <c>ProtocolFormatException</c>
/// may escape, and accepted encodings round-trip.
/// </summary>
/// <remarks>
/// The mutated unit is the compact block the exit handler reads (<see cref="GhcbCompact"/>), laid out into a page.
/// </remarks>
public sealed class GhcbFuzzTests(ITestOutputHelper output)
{
    private static readonly Gen<MmioRangeDescriptor> s_range =
        Gen.Select(Gen.ULong[0, (1ul << 40) - 1], Gen.Byte[0, MmioRangeDescriptor.MaxOrder], Gen.Bool, Gen.Byte[0, 7], (page, order, priv, id) =>
            new MmioRangeDescriptor(page << 12, order, priv, id));

    private static readonly Gen<PageStateChangeEntry> s_pscEntry =
        Gen.Select(Gen.UShort[0, 0xFFF], Gen.ULong[0, (1ul << 40) - 1], Gen.Byte[1, 4], Gen.Bool, (cur, gfn, op, large) =>
            new PageStateChangeEntry(cur, gfn, (PageStateOperation)op, large));

    /// <summary>Exits as the guest writes them: SEV_TIO_GUEST_REQUEST, SEV_TIO_OP, page state change, and other exits.</summary>
    private static readonly Gen<byte[]> s_exits = FuzzGen.Any(
        Gen.Select(FuzzGen.U64, FuzzGen.U64, FuzzGen.U64, FuzzGen.U64, Gen.UShort, Gen.Frequency((2, (IGen<ulong>)s_range.Select(r => r.ToRdx())), (1, Gen.ULong[0, 15])))
            .Select((req, rsp, data, pages, rid, param) => GhcbCompact.Compact(page => new SevTioGuestRequestExit(req, rsp, data, pages, rid, param).Write(page))),
        Gen.Select(FuzzGen.U32, Gen.UInt[0, 3], (rid, action) => GhcbCompact.Compact(page => SevTioOpExit.Write(page, new TioOpExitInfo(rid, (TioOpAction)action)))),
        Gen.Select(s_pscEntry.Array[1, 40], Gen.Int[0, 40], (entries, cur) => GhcbCompact.Compact(page =>
        {
            var descriptor = PageStateChangeDescriptor.Create(entries) with { CurrentEntry = (ushort)Math.Min(cur, entries.Length) };
            page.Invalidate();
            descriptor.Encode(page.SharedBuffer);
            page.WriteExit(VmgExitCode.PageStateChange, 0, 0);
            page.Set(GhcbField.SwScratch, 0x1000);
        })),
        Gen.Select(FuzzGen.OneOf(VmgExitCode.SnpGuestRequest, VmgExitCode.SnpExtendedGuestRequest, VmgExitCode.HypervisorFeatures, VmgExitCode.TerminateRequest), FuzzGen.U64, FuzzGen.U64, (code, i1, i2) =>
            GhcbCompact.Compact(page =>
            {
                page.Invalidate();
                page.WriteExit(code, i1, i2);
            })));

    [Fact]
    public void GhcbExitArguments_MutatedExits_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        var stats = FuzzRunner.Run(
            "GHCB exit arguments",
            Mutate.Bytes(s_exits, GhcbCompact.Length),
            (x, _) => CheckExit(x.Input),
            output,
            x => $"compact exit {FuzzRunner.Hex(x.Valid)} mutated to {FuzzRunner.Hex(x.Input)}");
        CodecFuzz.AssertDepth(stats, minDistinctRejections: 8);
    }

    [Fact]
    public void TioBlobTable_MutatedBuffers_OnlyProtocolFormatExceptionAndBlobsInBounds()
    {
        var samples = Gen.Select(FuzzGen.Bytes(0, 200), FuzzGen.Bytes(0, 200), FuzzGen.Bytes(0, 200), Gen.Int[0, 64], (certs, meas, report, spare) =>
        {
            var buffer = new byte[TioBlobTable.RequiredSize(certs, meas, report) + spare];
            TioBlobTable.Write(buffer, certs, meas, report);
            return new CodecSample(s_blobTable, buffer);
        });
        CodecFuzz.Run("TIO blob table", samples, output, minDistinctRejections: 3);
    }

    private static readonly Codec s_blobTable = new("TIO_BLOB_TABLE", buffer =>
    {
        var table = TioBlobTable.Decode(buffer);
        foreach (var entry in table.Entries)
        {
            // The guest slices each blob straight out of the buffer: every accepted entry must lie inside it.
            var blob = table.GetBlob(buffer, entry.Guid);
            Expect(blob.Length == entry.Length && (entry.Length == 0 || blob.SequenceEqual(buffer.AsSpan((int)entry.Offset, (int)entry.Length))), "GetBlob returned other bytes than the entry names");
        }

        // The table is 3 slots; a buffer that ends after an early null terminator still re-encodes to all of them.
        var encoded = new byte[Math.Max(buffer.Length, TioBlobTable.TableSize)];
        buffer.CopyTo(encoded, 0);
        table.Encode(encoded);
        return encoded;
    });

    private static FuzzOutcome CheckExit(byte[] compact)
    {
        var page = GhcbCompact.Materialize(compact);
        var ghcb = new GhcbPage(page);
        GhcbExit exit;
        try
        {
            exit = ghcb.ReadExit();
        }
        catch (Exception e) when (CodecOracle.IsTypedFormatError(e))
        {
            return FuzzOutcome.Reject(CodecOracle.FieldOf(e));
        }

        var rejectedBy = new List<string>();
        void Try(Action parse)
        {
            if (!CodecOracle.TryParse(parse, out var by))
            {
                rejectedBy.Add(by);
            }
        }

        // Total functions of the exit information: every value means something.
        var result = GuestRequestResult.FromExitInfo2(exit.ExitInfo2);
        Expect(result.ToExitInfo2() == exit.ExitInfo2, "exit info 2 does not round-trip through GuestRequestResult");

        switch (exit.ExitCode)
        {
            case VmgExitCode.SevTioGuestRequest:
                Try(() =>
                {
                    var request = SevTioGuestRequestExit.Read(new GhcbPage(page));
                    var again = new byte[GhcbPage.Size];
                    request.Write(new GhcbPage(again));
                    Expect(SevTioGuestRequestExit.Read(new GhcbPage(again)) == request, "SEV_TIO_GUEST_REQUEST write → read changed the exit");
                });
                Try(() =>
                {
                    // RDX as an MMIO range (MMIO_VALIDATE and MMIO_CONFIG carry one).
                    var range = MmioRangeDescriptor.FromRdx(new GhcbPage(page).GetRaw(GhcbField.Rdx));
                    Expect(range.ToRdx() == new GhcbPage(page).GetRaw(GhcbField.Rdx), "the RDX range does not re-encode to its own bits");
                    Expect(range.Length >= 4096, "a decoded range is shorter than a page");
                });
                break;

            case VmgExitCode.SevTioOp:
                Try(() =>
                {
                    var op = SevTioOpExit.Read(new GhcbPage(page));
                    Expect(op.ToExitInfo1() == exit.ExitInfo1, "TIO_OP exit info 1 does not re-encode to its own bits");
                });
                break;

            case VmgExitCode.PageStateChange:
                Try(() =>
                {
                    var descriptor = PageStateChangeDescriptor.Decode(new GhcbPage(page).SharedBuffer);
                    var again = new byte[GhcbPage.SharedBufferSize];
                    var length = descriptor.Encode(again);
                    Expect(again.AsSpan(0, length).SequenceEqual(new GhcbPage(page).SharedBuffer[..length]), "the PSC descriptor does not re-encode to its own bytes");
                    Expect(PageStateChangeDescriptor.Decode(again) == descriptor, "PSC decode → encode → decode changed the descriptor");
                });
                break;
        }

        return rejectedBy.Count == 0 ? FuzzOutcome.Accept : FuzzOutcome.Reject(string.Join(" + ", rejectedBy));
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }
}
