using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Iommu;

/// <summary>
/// The IOMMU's decision on one request, the single place T=1/T=0 routing and ownership are decided: allowed or refused
/// (and why), where the bytes go, whether the memory controller must encrypt/decrypt them under a guest's key, and how
/// much simulated time translation and checks took. A refused request is aborted (writes dropped, reads completed with
/// UR/CA by the root complex) and an event is already in the event log.
/// </summary>
public readonly record struct IommuTranslation(
    IommuFault Fault,
    RmpViolation RmpViolation,
    ulong HostPhysicalAddress,
    bool IsPrivate,
    int Asid,
    SimTime Latency,
    bool IotlbHit)
{
    public bool Allowed => Fault == IommuFault.None;

    /// <summary>The key the memory controller uses: the guest ASID for a private access, 0 (no encryption) for shared.</summary>
    public int MemoryKeyAsid => IsPrivate ? Asid : 0;

    public override string ToString() => Allowed
        ? $"allowed → 0x{HostPhysicalAddress:X} {(IsPrivate ? $"private (ASID {Asid})" : "shared")} in {Latency}{(IotlbHit ? " (IOTLB hit)" : string.Empty)}"
        : $"refused: {Fault}{(RmpViolation != RmpViolation.None ? $" ({RmpViolation})" : string.Empty)} in {Latency}";
}
