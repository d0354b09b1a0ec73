using System.Diagnostics;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;

namespace SevTio.Host;

/// <summary>
/// The hypervisor's spans (ActivitySource <c>SevTio.Host</c>) on simulated time: <c>host.vmgexit</c> per guest exit
/// served, <c>host.tio_op</c> per device operation the host drives (connect, bind, run, …) and
/// <c>host.spdm_relay</c> per SPDM message it relays between the PSP and the device's DOE mailbox.
/// </summary>
public static class HostTelemetry
{
    public const string SourceName = "SevTio.Host";
    public const string VmgExitSpan = "host.vmgexit";
    public const string TioOpSpan = "host.tio_op";
    public const string SpdmRelaySpan = "host.spdm_relay";
    public const string ExitCodeAttribute = "sevtio.ghcb.exit_code";
    public const string OperationAttribute = "sevtio.host.op";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>Runs <paramref name="operation"/> inside a <c>host.tio_op</c> span named by <paramref name="name"/>.</summary>
    internal static T TioOp<T>(Scheduler scheduler, string name, Func<T> operation)
    {
        var span = SimSpan.Start(Source, TioOpSpan, scheduler.Now);
        span?.SetTag(OperationAttribute, name);
        try
        {
            var result = operation();
            span?.SetTag("sevtio.host.result", result?.ToString());
            return result;
        }
        finally
        {
            SimSpan.End(span, scheduler.Now);
        }
    }
}
