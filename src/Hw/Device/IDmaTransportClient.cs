using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>The DMA engine as its transport sees it: where the data lives, whom to ask, whom to tell.</summary>
public interface IDmaTransportClient
{
    /// <summary>The function's Requester ID.</summary>
    ushort RequesterId { get; }

    /// <summary>Source of DMA writes, destination of DMA reads.</summary>
    DeviceMemory Memory { get; }

    DmaStatistics Statistics { get; }

    /// <summary>Outstanding read requests the function may have (<c>device.read_tags</c>).</summary>
    int ReadTags { get; }

    /// <summary>Asks Bus Master Enable and the TDI enforcement whether a request may be issued now, and with which T bit.</summary>
    DmaGrant AuthorizeRequest(bool nonTee);

    /// <summary>Asks the TDI enforcement whether a read completion may be used (PCIe §11.2.1).</summary>
    bool AcceptCompletion(bool requestWasTee);

    /// <summary>The descriptor arrived (or its read failed: <paramref name="status"/> is not Success).</summary>
    void OnDescriptorFetched(DmaStatus status, ReadOnlySpan<byte> descriptor);

    /// <summary>
    /// Every transfer of the job was issued (writes) or received (reads), or the job stopped on
    /// <paramref name="status"/>. <paramref name="dataEnd"/> is when the last write TLP left the device's transmitter,
    /// or when the last read completion arrived.
    /// </summary>
    void OnDataPhaseDone(DmaStatus status, long transfersDone, SimTime dataEnd);
}
