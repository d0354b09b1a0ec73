namespace SevTio.Hw.Doe;

/// <summary>
/// What sits behind a DOE mailbox: the function's firmware (for TDISP devices, the security manager) that consumes one
/// data object and produces at most one. The mailbox hardware only moves DWs; it asks the responder which protocols it
/// speaks so it can refuse an object of an unknown type before handing it over (PCIe §6.30.2).
/// </summary>
public interface IDoeResponder
{
    /// <summary>The (vendor id, data object type) pairs this responder answers.</summary>
    IReadOnlyList<DoeProtocol> Protocols { get; }

    /// <summary>
    /// Handles a whole data object (header included, exactly the DWs the header's Length names). Returns the response
    /// object (header included, a whole number of DWs), or null when there is no response.
    /// </summary>
    byte[]? Respond(ReadOnlySpan<byte> dataObject);
}
