using System.Diagnostics;

namespace SevTio.Guest.Telemetry;

/// <summary>
/// The guest's activity source (<c>SevTio.Guest</c>): spans on simulated time (<see cref="Hw.Telemetry.SimSpan"/>) for
/// the TSM operations — <c>tsm.lock</c>, <c>tsm.accept</c>, <c>tsm.unlock</c> — and each exit they take
/// (<c>ghcb.exit</c>), so a trace nests guest → exit → host → PSP.
/// </summary>
public static class GuestTelemetry
{
    public const string SourceName = "SevTio.Guest";

    public const string MeterName = "SevTio.Guest";

    public static readonly ActivitySource Source = new(SourceName);
}
