namespace SevTio.Hw.Device;

/// <summary>
/// How the DMA engine's requests reach host memory and come back: at packet level TLPs through the device's IDE port
/// and the link (<see cref="PacketDmaTransport"/>), at burst level an analytic model of the same link and root
/// complex (<c>SevTio.Hw.Platform.BurstDmaTransport</c>). The engine's state machine is the same over both.
/// </summary>
/// <remarks>
/// Every call happens at the scheduler's current time; results come back through <see cref="IDmaTransportClient"/>
/// at the simulated time they happen. The transport asks the client before each request it issues
/// (<see cref="IDmaTransportClient.AuthorizeRequest"/>: the TDI enforcement), so a TDI leaving RUN stops the job.
/// </remarks>
public interface IDmaTransport
{
    /// <summary>Reads the 64-byte descriptor at <paramref name="address"/>; answers with <see cref="IDmaTransportClient.OnDescriptorFetched"/>.</summary>
    void FetchDescriptor(ulong address, DmaGrant grant);

    /// <summary>Moves every transfer of <paramref name="job"/>; answers with <see cref="IDmaTransportClient.OnDataPhaseDone"/>.</summary>
    void StartDataPhase(in DmaJob job);

    /// <summary>A posted write of a few bytes of control data (the completion record), ordered after the job's data.</summary>
    void PostWrite(ulong address, ReadOnlySpan<byte> data, DmaGrant grant);

    /// <summary>An MSI-X message: a posted 4-byte write of <paramref name="data"/> to <paramref name="address"/>.</summary>
    void PostMessage(ulong address, uint data, DmaGrant grant);

    /// <summary>
    /// The engine was reset (CTRL.RST, Function Level Reset): issue nothing more for the current job. Requests already on
    /// the link complete; their answers are ignored.
    /// </summary>
    void Abort();
}
