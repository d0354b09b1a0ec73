using System.Diagnostics;
using SevTio.Firmware.Psp;
using SevTio.Hw.Telemetry;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// The PSP's spans on simulated time (issue 9 names): one <c>psp.command</c> per command, open across its
/// continuations, with the trust-flow phases nested inside, and durations equal to the phase times the PSP reports.
/// </summary>
[Collection(nameof(ActivitySourceCollection))]
public sealed class PspTelemetryTests
{
    [Fact]
    public void ConnectBindRun_SpansNestUnderTheirCommandAndMatchThePhaseTimes()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PspFirmware.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var bench = new PspBench();
        bench.Connected();
        var guest = bench.LaunchGuest(asid: 9);
        var tdi = bench.CreateTdi(out _);
        Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address));
        Assert.Equal(PspReturnCode.Success, bench.Bind(tdi, guest.Address, run: TioTdiRunFlags.RunForce));
        var response = bench.FirmwarePage();
        var requestPage = bench.Page();
        bench.Platform.Memory.Write(requestPage, GuestMessageCodec.Seal(guest.Vmpck0, new TdiInfoRequest(0x18), 1));
        Assert.Equal(PspReturnCode.Success, bench.Relayed(c => new TioGuestRequestCommand(c, bench.DeviceContext, tdi, guest.Address, requestPage, response)));

        var commands = spans.Where(s => s.OperationName == "psp.command").ToList();
        var connect = Assert.Single(commands, s => (string?)s.GetTagItem("sevtio.psp.command") == "TIO_DEV_CONNECT");
        var spdm = Assert.Single(spans, s => s.OperationName == "spdm.session.establish");
        var keys = Assert.Single(spans, s => s.OperationName == "ide.key.program");
        Assert.Equal(connect.SpanId, spdm.ParentSpanId);
        Assert.Equal(connect.SpanId, keys.ParentSpanId);
        Assert.Equal(bench.Psp.Phases.SpdmSession.Picoseconds, Duration(spdm));
        Assert.Equal(bench.Psp.Phases.KeyProgramming.Picoseconds, Duration(keys));

        var binds = commands.Where(s => (string?)s.GetTagItem("sevtio.psp.command") == "TIO_TDI_BIND").ToList();
        Assert.Equal(2, binds.Count);
        foreach (var (name, phase) in new[] { ("tdisp.lock_interface", bench.Psp.Phases.LockInterface), ("tdisp.get_report", bench.Psp.Phases.InterfaceReport), ("tdisp.start_interface", bench.Psp.Phases.StartInterface) })
        {
            var span = Assert.Single(spans, s => s.OperationName == name);
            Assert.Contains(binds, b => b.SpanId == span.ParentSpanId);
            Assert.Equal(phase.Picoseconds, Duration(span));
            Assert.True(phase.Picoseconds > 0);
        }

        var guestRequest = Assert.Single(spans, s => s.OperationName == "guest.request");
        Assert.Equal("TioTdiInfoRequest", guestRequest.GetTagItem("sevtio.guest.message_type"));
        Assert.Equal(Assert.Single(commands, s => (string?)s.GetTagItem("sevtio.psp.command") == "TIO_GUEST_REQUEST").SpanId, guestRequest.ParentSpanId);
        Assert.True(commands.Count(s => (string?)s.GetTagItem("sevtio.psp.command") == "TIO_STATUS") >= 1);
        Assert.Null(Activity.Current);
    }

    private static long Duration(Activity span) =>
        (long)span.GetTagItem(SimSpan.EndAttribute)! - (long)span.GetTagItem(SimSpan.StartAttribute)!;
}

/// <summary>Tests that listen to activity sources run one at a time (a listener sees every test's spans).</summary>
[CollectionDefinition(nameof(ActivitySourceCollection), DisableParallelization = true)]
public sealed class ActivitySourceCollection;
