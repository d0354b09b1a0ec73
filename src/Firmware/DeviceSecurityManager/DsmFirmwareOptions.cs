using SevTio.Firmware.Spdm;
using SevTio.Hw.Simulation;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>Everything the DSM firmware is built from at device creation.</summary>
public sealed class DsmFirmwareOptions
{
    public required SpdmDeviceIdentity Identity { get; init; }

    public required SpdmMeasurementLog Measurements { get; init; }

    /// <summary>Seeded randomness for SPDM (session ids, nonces, ephemeral keys) and TDISP start nonces.</summary>
    public required Random Random { get; init; }

    public required IIdeKeySlots KeySlots { get; init; }

    public required IdeKmPortIdentity Port { get; init; }

    /// <summary>Reads the IDE Extended Capability from offset 04h for QUERY_RESP.</summary>
    public required Func<byte[]> ReadIdeCapability { get; init; }

    public required IReadOnlyList<ITdispDeviceFunction> Functions { get; init; }

    public int MaxReportPortion { get; init; } = 1024;

    public int MaxCertificatePortion { get; init; } = 1024;

    /// <summary>The simulated clock of the firmware's <c>dsm.handle</c> spans; none without it (the firmware itself takes no time).</summary>
    public Scheduler? Scheduler { get; init; }
}
