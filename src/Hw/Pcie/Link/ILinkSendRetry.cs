namespace SevTio.Hw.Pcie;

/// <summary>
/// Told when a port that refused a TLP (<see cref="LinkPort.TrySend"/> returned false) can take it now, as gem5's
/// <c>recvReqRetry</c>: the sender then calls <see cref="LinkPort.TrySend"/> again with the TLP it holds.
/// </summary>
public interface ILinkSendRetry
{
    void OnSendRetry(LinkPort port);
}
