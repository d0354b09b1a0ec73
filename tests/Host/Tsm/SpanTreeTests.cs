using System.Diagnostics;
using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Host.Tests.Support;
using SevTio.Hw.Doe;
using SevTio.Hw.Telemetry;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Psp;

namespace SevTio.Host.Tests.Tsm;

/// <summary>
/// The spans of the trust flow mirror who called whom: guest exit → host → PSP command → PSP phase → host relay →
/// DOE exchange → device firmware, and the PSP's phase spans last exactly the phase times it reports.
/// </summary>
public sealed class SpanTreeTests
{
    private sealed record Span(string Source, string Name, ActivitySpanId Id, ActivitySpanId Parent, long StartPs, long EndPs, IReadOnlyDictionary<string, string?> Tags);

    private static ActivityListener Listen(List<Span> spans)
    {
        // Only this test's thread: other tests run the same sources in parallel.
        var thread = Environment.CurrentManagedThreadId;
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("SevTio.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) =>
                Environment.CurrentManagedThreadId == thread ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = a =>
            {
                if (Environment.CurrentManagedThreadId == thread)
                {
                    spans.Add(new Span(a.Source.Name, a.DisplayName, a.SpanId, a.ParentSpanId,
                        (long)a.GetTagItem(SimSpan.StartAttribute)!, (long)a.GetTagItem(SimSpan.EndAttribute)!,
                        a.TagObjects.ToDictionary(t => t.Key, t => t.Value?.ToString())));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public void ConnectAndBind_Spans_NestFromTheCallerDownToTheDeviceFirmware()
    {
        var spans = new List<Span>();
        using var listener = Listen(spans);
        using var bench = new HostBench(doeLatency: SevTio.Hw.Simulation.SimTime.FromMicroseconds(2));

        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);

        var byId = spans.ToDictionary(s => s.Id);
        Span? Parent(Span s) => byId.TryGetValue(s.Parent, out var p) ? p : null;
        List<string> Chain(Span s)
        {
            var names = new List<string>();
            for (Span? at = s; at is not null; at = Parent(at))
            {
                names.Add(at.Name);
            }

            names.Reverse();
            return names;
        }

        // Every DSM span sits under a DOE exchange, under the host's relay, under the PSP phase that asked for it.
        var handled = spans.Where(s => s.Name == DsmFirmware.HandleSpan).ToList();
        Assert.NotEmpty(handled);
        var chains = handled.Select(h => string.Join(" > ", Chain(h))).Distinct().ToList();
        Assert.Contains("host.tio_op > psp.command > spdm.session.establish > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("host.tio_op > psp.command > ide.key.program > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.Contains("host.vmgexit > host.tio_op > psp.command > tdisp.lock_interface > host.spdm_relay > doe.exchange > dsm.handle", chains);
        Assert.All(handled, h => Assert.Equal(DoeMailbox.ExchangeSpan, Parent(h)!.Name));

        // The firmware's protocol under each phase.
        // (DOE discovery at connect is the host's own exchange: host.tio_op > doe.exchange > dsm.handle.)
        Assert.Contains("host.tio_op > doe.exchange > dsm.handle", chains);
        Span? Phase(Span handle) => Parent(handle) is { } doe && Parent(doe) is { } relay ? Parent(relay) : null;
        Assert.All(handled.Where(h => Phase(h)?.Name == "ide.key.program"), h => Assert.Equal("IdeKm", h.Tags["sevtio.dsm.protocol"]));
        Assert.All(handled.Where(h => Phase(h)?.Name == "tdisp.lock_interface"), h => Assert.Equal("Tdisp", h.Tags["sevtio.dsm.protocol"]));

        var exit = Assert.Single(spans, s => s.Name == HostTelemetry.VmgExitSpan);
        Assert.Equal(nameof(VmgExitCode.SevTioOp), exit.Tags[HostTelemetry.ExitCodeAttribute]);
        var underConnect = spans.Where(s => s.Name == "psp.command" && Parent(s)?.Tags[HostTelemetry.OperationAttribute] == "connect").Select(s => s.Tags["sevtio.psp.command"]);
        Assert.Equal(["TIO_DEV_CREATE", "TIO_DEV_CONNECT"], underConnect.Order(StringComparer.Ordinal).Reverse());

        // Children inside their parents on simulated time; DOE exchanges last at least the mailbox's response latency.
        foreach (var span in spans.Where(s => Parent(s) is not null))
        {
            var parent = Parent(span)!;
            Assert.InRange(span.StartPs, parent.StartPs, parent.EndPs);
            Assert.InRange(span.EndPs, span.StartPs, parent.EndPs);
        }

        Assert.All(spans.Where(s => s.Name == DoeMailbox.ExchangeSpan), d => Assert.True(d.EndPs - d.StartPs >= 2_000_000));

        // The phase spans last what the PSP reports as the phase times (each phase measured once here).
        var phases = bench.Platform.Psp.Phases;
        long Duration(string name) => spans.Single(s => s.Name == name) is var span ? span.EndPs - span.StartPs : 0;
        Assert.Equal(phases.SpdmSession.Picoseconds, Duration("spdm.session.establish"));
        Assert.Equal(phases.KeyProgramming.Picoseconds, Duration("ide.key.program"));
        Assert.Equal(phases.LockInterface.Picoseconds, Duration("tdisp.lock_interface"));
        Assert.Equal(phases.InterfaceReport.Picoseconds, Duration("tdisp.get_report"));
    }
}
