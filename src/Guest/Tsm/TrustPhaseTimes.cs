using SevTio.Hw.Simulation;

namespace SevTio.Guest.Tsm;

/// <summary>
/// Simulated time of the guest-driven phases of the trust flow for one device, as the guest measured them around its
/// own calls (exits and everything the host and PSP did inside them included): lock (enable memory, TIO_OP BIND — the
/// host's TDI_CREATE/TDI_BIND with TDISP LOCK), report (TIO_MSG_TDI_INFO, the blobs, parsing and digest checks), accept
/// (policy, RUN, SDTE_WRITE, MMIO_VALIDATE) and unlock. The CLI reports them as <c>trust.lock_s</c> etc.
/// </summary>
public sealed class TrustPhaseTimes
{
    public SimTime Lock { get; internal set; }

    public SimTime Report { get; internal set; }

    public SimTime Accept { get; internal set; }

    public SimTime Unlock { get; internal set; }
}
