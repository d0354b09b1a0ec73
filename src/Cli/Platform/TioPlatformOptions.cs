using SevTio.Guest;
using SevTio.Host.Misbehaviour;

namespace SevTio.Cli.Platform;

/// <summary>What a <see cref="TioPlatform"/> is built with besides the scenario's <c>PlatformConfiguration</c>: the host's behaviour and the guest's sizes and kernel options.</summary>
public sealed record TioPlatformOptions
{
    /// <summary>Called with the silicon right after it exists, before anything runs on it (observers: <c>--trace-json</c>).</summary>
    public Action<Hw.Platform.SevTioPlatform>? HwCreated { get; init; }

    /// <summary>How the untrusted hypervisor misbehaves (attack tests); null: it behaves.</summary>
    public HostMisbehaviour? Misbehaviour { get; init; }

    /// <summary>Guest private RAM (a multiple of 2 MiB); null: the DMA window rounded up to 2 MiB plus 16 MiB for rings, buffers and the kernel.</summary>
    public ulong? GuestMemoryBytes { get; init; }

    /// <summary>The host-placed SWIOTLB pool; null or 0: the SEV guest rule (6 % of RAM in [64 MiB, 1 GiB]).</summary>
    public ulong? SwiotlbBytes { get; init; }

    /// <summary>Guest kernel options (policy, CPU costs); <see cref="GuestKernelOptions.CopiesData"/> is set from <c>crypto.mode</c> unless given here.</summary>
    public GuestKernelOptions? Kernel { get; init; }

    /// <summary>Connect the device (SPDM, IDE keys) during the build when IDE is on; false leaves it to the caller (<see cref="TioPlatform.ConnectDevice"/>).</summary>
    public bool ConnectDevice { get; init; } = true;
}
