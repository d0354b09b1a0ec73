using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>
/// A point-to-point PCIe link between a downstream port (root port or switch downstream port) and an upstream port
/// (the device), modelled at packet level: each direction serialises TLPs at the rate <see cref="LinkTiming"/> gives,
/// gates them on the receiver's flow-control credits, and delivers each TLP with one scheduler event after the
/// propagation latency. The two directions are independent.
/// </summary>
public sealed class PcieLink
{
    public PcieLink(Scheduler scheduler, LinkParameters parameters, string name = "link")
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        Timing = new LinkTiming(parameters);
        Name = name;
        DownstreamPort = new LinkPort(scheduler, Timing, $"{name}.dsp", parameters.UpstreamPortCredits);
        UpstreamPort = new LinkPort(scheduler, Timing, $"{name}.usp", parameters.DownstreamPortCredits);
        DownstreamPort.Peer = UpstreamPort;
        UpstreamPort.Peer = DownstreamPort;
    }

    public string Name { get; }

    public LinkTiming Timing { get; }

    public LinkParameters Parameters => Timing.Parameters;

    /// <summary>The root-port side: what it sends travels toward the device.</summary>
    public LinkPort DownstreamPort { get; }

    /// <summary>The device side: what it sends travels toward the root complex.</summary>
    public LinkPort UpstreamPort { get; }
}
