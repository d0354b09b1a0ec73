using System.Diagnostics;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The PSP's spans (ActivitySource <c>SevTio.Psp</c>) on simulated time: <c>psp.command</c> per command (open across
/// its continuations), and inside it the trust-flow phases. Parents are passed explicitly, because a command's span
/// outlives the mailbox call that opened it; the caller's current activity is restored after every call.
/// </summary>
internal sealed class PspTrace
{
    public const string SourceName = "SevTio.Psp";
    public const string CommandSpan = "psp.command";
    public const string CommandAttribute = "sevtio.psp.command";
    public const string MessageTypeAttribute = "sevtio.guest.message_type";

    public static readonly ActivitySource Source = new(SourceName);

    private readonly Scheduler _scheduler;

    public PspTrace(Scheduler scheduler) => _scheduler = scheduler;

    public Activity? StartCommand(string command, ActivityContext parent)
    {
        var span = SimSpan.Start(Source, CommandSpan, _scheduler.Now, parent: parent);
        span?.SetTag(CommandAttribute, command);
        return span;
    }

    public Activity? StartPhase(string name, Activity? parent) =>
        parent is null ? SimSpan.Start(Source, name, _scheduler.Now) : SimSpan.Start(Source, name, _scheduler.Now, parent: parent.Context);

    public void End(Activity? span) => SimSpan.End(span, _scheduler.Now);
}
