using System.Buffers.Binary;
using System.Diagnostics;
using SevTio.Hw.Doe;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Hw.Tests.Doe;

/// <summary>
/// The <c>doe.exchange</c> span: from Go until software has read the last DW, a child of whoever pressed Go, with the
/// responder's own spans nested in it, and the caller's current activity left as it was.
/// </summary>
public sealed class DoeMailboxSpanTests
{
    private const int Cap = ConfigSpace.ExtendedCapabilityStart;

    private static readonly ActivitySource s_caller = new("SevTio.DoeSpanTest");

    private sealed class SpanResponder(Scheduler scheduler) : IDoeResponder
    {
        public IReadOnlyList<DoeProtocol> Protocols { get; } = [DoeProtocol.CmaSpdm];

        public byte[]? Respond(ReadOnlySpan<byte> dataObject)
        {
            SimSpan.End(SimSpan.Start(s_caller, "responder", scheduler.Now), scheduler.Now);
            return dataObject.ToArray();
        }
    }

    [Fact]
    public void Exchange_WithLatency_SpansGoToLastReadAndNestsTheResponder()
    {
        var thread = Environment.CurrentManagedThreadId;
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is DoeMailbox.ActivitySourceName or "SevTio.DoeSpanTest",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (Environment.CurrentManagedThreadId == thread)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var scheduler = new Scheduler();
        var mailbox = new DoeMailbox(new SpanResponder(scheduler), scheduler, SimTime.FromNanoseconds(800));
        var config = new ConfigSpace(0x1022, 0x0001, 0x120000);
        config.AddExtendedCapability(DoeMailbox.ExtendedCapabilityId, DoeMailbox.CapabilityVersion, mailbox);

        var caller = SimSpan.Start(s_caller, "caller", SimTime.Zero);
        scheduler.RunUntil(SimTime.FromNanoseconds(100));

        // A CMA/SPDM object of 4 DW (PCIe §6.30.1 header: DW0 vendor 0001h type 01h, DW1 length).
        uint[] request = [0x0001_0001, 4, 0x1111_1111, 0x2222_2222];
        foreach (var dw in request)
        {
            config.Write(Cap + DoeMailbox.WriteDataMailboxOffset, dw);
        }

        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlGo);
        Assert.Same(caller, Activity.Current);

        scheduler.RunUntil(SimTime.FromNanoseconds(2_000));
        for (var i = 0; i < request.Length; i++)
        {
            config.Write(Cap + DoeMailbox.ReadDataMailboxOffset, 0);
        }

        Assert.Same(caller, Activity.Current);
        SimSpan.End(caller, scheduler.Now);

        var exchange = Assert.Single(stopped, a => a.DisplayName == DoeMailbox.ExchangeSpan);
        var responder = Assert.Single(stopped, a => a.DisplayName == "responder");
        Assert.Equal(caller!.SpanId, exchange.ParentSpanId);
        Assert.Equal(exchange.SpanId, responder.ParentSpanId);
        Assert.Equal(100_000L, exchange.GetTagItem(SimSpan.StartAttribute));
        Assert.Equal(2_000_000L, exchange.GetTagItem(SimSpan.EndAttribute));
        Assert.Equal(900_000L, responder.GetTagItem(SimSpan.StartAttribute));
        Assert.Equal("0001:01", exchange.GetTagItem("sevtio.doe.protocol"));
        Assert.Equal(4L, exchange.GetTagItem("sevtio.doe.request_dw"));
        Assert.Equal("read", exchange.GetTagItem("sevtio.doe.outcome"));
    }
}
