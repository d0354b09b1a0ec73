using SevTio.Guest.Memory;
using SevTio.Guest.Pci;

namespace SevTio.Guest;

/// <summary>
/// Everything the platform must hand the guest kernel at boot besides the vCPU: its memory layout (private RAM, the
/// GHCB page, optionally pre-shared pages and a host-placed SWIOTLB pool), its VMPCK (given here, or read from the
/// secrets page named in the layout), the PCI functions it sees with their config-space accessors, and the MMIO path
/// to their BARs.
/// </summary>
public sealed record GuestPlatform
{
    public required GuestMemoryLayout Memory { get; init; }

    /// <summary>The VMPCK; null → read VMPCK<c>n</c> (<see cref="GuestKernelOptions.VmpckId"/>) from <see cref="GuestMemoryLayout.SecretsGpa"/>.</summary>
    public GuestSecrets? Secrets { get; init; }

    public IReadOnlyList<GuestPciFunction> PciFunctions { get; init; } = [];

    /// <summary>CPU loads/stores to device MMIO; null if the guest has no devices to drive.</summary>
    public IGuestMmio? Mmio { get; init; }
}
