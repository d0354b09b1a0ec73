using System.Diagnostics.Metrics;

namespace SevTio.Firmware.Psp;

/// <summary>Plain-field counters of the PSP; publish them with <see cref="CreateInstruments"/>.</summary>
public sealed class PspCounters
{
    /// <summary>The meter name the PSP's instruments belong under.</summary>
    public const string MeterName = "SevTio.Psp";

    internal long _commands;
    internal long _commandFailures;
    internal long _spdmRequests;
    internal long _guestRequests;
    internal long _guestRequestsRefused;
    internal long _keysProgrammed;

    /// <summary>Mailbox commands run, continuations included.</summary>
    public long Commands => Volatile.Read(ref _commands);

    /// <summary>Commands that ended with a status other than SUCCESS, SPDM_REQUEST or EXPAND_BUFFER_LENGTH_REQUEST.</summary>
    public long CommandFailures => Volatile.Read(ref _commandFailures);

    /// <summary>SPDM requests handed to the host for relay.</summary>
    public long SpdmRequests => Volatile.Read(ref _spdmRequests);

    /// <summary>Guest messages answered.</summary>
    public long GuestRequests => Volatile.Read(ref _guestRequests);

    /// <summary>Guest messages refused (bad sequence number, failed authentication, malformed).</summary>
    public long GuestRequestsRefused => Volatile.Read(ref _guestRequestsRefused);

    /// <summary>IDE keys generated and programmed (device and root port count once per key).</summary>
    public long KeysProgrammed => Volatile.Read(ref _keysProgrammed);

    /// <summary>
    /// Observable instruments on <paramref name="meter"/> (normally <c>new Meter(PspCounters.MeterName)</c>):
    /// <c>sevtio.psp.commands</c>, <c>sevtio.psp.command.failures</c>, <c>sevtio.psp.spdm.requests</c>,
    /// <c>sevtio.psp.guest.requests</c>, <c>sevtio.psp.guest.requests.refused</c>, <c>sevtio.psp.ide.keys</c>.
    /// </summary>
    public void CreateInstruments(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter("sevtio.psp.commands", () => Commands, "{command}", "PSP mailbox commands, continuations included");
        meter.CreateObservableCounter("sevtio.psp.command.failures", () => CommandFailures, "{command}", "PSP commands that failed");
        meter.CreateObservableCounter("sevtio.psp.spdm.requests", () => SpdmRequests, "{request}", "SPDM requests relayed by the host for the PSP");
        meter.CreateObservableCounter("sevtio.psp.guest.requests", () => GuestRequests, "{message}", "guest messages answered");
        meter.CreateObservableCounter("sevtio.psp.guest.requests.refused", () => GuestRequestsRefused, "{message}", "guest messages refused");
        meter.CreateObservableCounter("sevtio.psp.ide.keys", () => KeysProgrammed, "{key}", "IDE keys generated and programmed");
    }
}
