using SevTio.Hw.Simulation;

namespace SevTio.Hw.RootComplex;

/// <summary>
/// Told when the root complex finishes a posted DMA write TLP: committed to memory at <c>done</c>, or dropped (the
/// IOMMU refused it, or IDE dropped it). The write carries the device's cookie (<see cref="Pcie.Tlp.Cookie"/>); a
/// measurement hook (DMA latency statistics), not something the device could see in hardware.
/// </summary>
public interface IPostedWriteObserver
{
    void OnPostedWriteDone(long cookie, int bytes, SimTime done, bool committed);
}
