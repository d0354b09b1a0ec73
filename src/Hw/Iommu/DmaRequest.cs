using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// What the IOMMU sees of an upstream memory request (one TLP, or one page of a burst): who sent it, where, how much,
/// which way, and the TLP's T bit (TEE request, from the IDE TLP prefix / OHC-C). A request must not cross a 4 KiB
/// boundary, as no PCIe memory request may.
/// </summary>
/// <param name="RequesterId">Bus/device/function of the requester (the TDI's RID).</param>
/// <param name="Address">DMA address: IOVA for T=0; GPA (below vTOM) or GPA + vTOM (shared) for T=1.</param>
/// <param name="Length">Bytes accessed, 1 to 4096, not crossing a 4 KiB boundary.</param>
/// <param name="Access">Read or write.</param>
/// <param name="Trusted">The T bit: 1 = a TEE request from a TDI in RUN, translated through the secure device table.</param>
/// <param name="StreamId">
/// The Selective IDE stream the request arrived on (from its IDE prefix), or -1 when the caller does not say (a non-IDE
/// request, or a caller below the TLP level). A trusted request with a stream must arrive on a stream its sDTE names.
/// </param>
public readonly record struct DmaRequest(ushort RequesterId, ulong Address, int Length, MemoryAccess Access, bool Trusted, int StreamId = -1)
{
    public static DmaRequest Write(ushort requesterId, ulong address, int length, bool trusted = false, int streamId = -1) =>
        new(requesterId, address, length, MemoryAccess.Write, trusted, streamId);

    public static DmaRequest Read(ushort requesterId, ulong address, int length, bool trusted = false, int streamId = -1) =>
        new(requesterId, address, length, MemoryAccess.Read, trusted, streamId);
}
