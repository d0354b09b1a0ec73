using SevTio.Hw.Simulation;

namespace SevTio.Firmware.Psp;

/// <summary>
/// Simulated durations of the trust-flow phases the PSP drives, as last measured (the CLI reports them as
/// <c>trust.*_s</c>). Each phase runs from the PSP's first request of the phase to its last response, so it includes
/// the host's DOE relay between PSP commands.
/// </summary>
public sealed record PspTrustPhases
{
    /// <summary>SPDM from GET_VERSION to FINISH_RSP (span <c>spdm.session.establish</c>).</summary>
    public SimTime SpdmSession { get; init; }

    /// <summary>IDE_KM QUERY, KEY_PROG and K_SET_GO at the device plus root-port programming (span <c>ide.key.program</c>).</summary>
    public SimTime KeyProgramming { get; init; }

    /// <summary>TDISP LOCK_INTERFACE (span <c>tdisp.lock_interface</c>).</summary>
    public SimTime LockInterface { get; init; }

    /// <summary>TDISP GET_DEVICE_INTERFACE_REPORT, all portions (span <c>tdisp.get_report</c>).</summary>
    public SimTime InterfaceReport { get; init; }

    /// <summary>TDISP START_INTERFACE (span <c>tdisp.start_interface</c>).</summary>
    public SimTime StartInterface { get; init; }
}
