namespace SevTio.Hw.Pcie;

/// <summary>Takes TLPs off a link (a root port's or device's transaction layer). The receiver owns the TLP afterwards.</summary>
public interface ILinkReceiver
{
    /// <summary>Called once per TLP at the simulated time it is available at <paramref name="port"/>.</summary>
    void OnTlpReceived(LinkPort port, Tlp tlp);
}
