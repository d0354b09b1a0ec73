using SevTio.Hw.Ide;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.RootComplex;

/// <summary>The root port's parameters; keys in errors match the CLI's.</summary>
public sealed record RootPortSettings
{
    /// <summary>PCI vendor and device ID of the root port function (AMD, a Genoa-class GPP bridge).</summary>
    public ushort VendorId { get; init; } = 0x1022;

    public ushort DeviceId { get; init; } = 0x14AB;

    /// <summary>The root port's own ID (completer ID of the completions it returns): 00:01.0.</summary>
    public ushort RequesterId { get; init; } = 0x0008;

    /// <summary>
    /// Host memory read round trip seen by the root port (<c>host.read_latency</c>): from a read request leaving the
    /// IOMMU to its data being ready to return. pcie-bench measured about half a microsecond on server hosts.
    /// </summary>
    public SimTime ReadLatency { get; init; } = SimTime.FromNanoseconds(550);

    /// <summary>
    /// True: real bytes and cryptography (<c>crypto.mode=functional</c>); false: lengths and timing only, TLPs carry
    /// IDE framing but payloads are neither encrypted, checked nor stored.
    /// </summary>
    public bool Functional { get; init; } = true;

    /// <summary>Selective IDE streams of the root port.</summary>
    public int IdeStreams { get; init; } = 1;

    /// <summary>Model settings of the root port's IDE streams.</summary>
    public IdeStreamSettings IdeSettings { get; init; } = new();

    /// <summary>The interrupt window: memory writes to [base, base + 1 MiB) are MSI/MSI-X messages, not memory.</summary>
    public ulong MessageWindowBase { get; init; } = 0xFEE0_0000;

    public const ulong MessageWindowBytes = 1UL << 20;

    public RootPortSettings Validate()
    {
        if (ReadLatency < SimTime.Zero)
        {
            throw new ParameterException("host.read_latency", ReadLatency.ToString(), "must not be negative");
        }

        IdeSettings.Validate();
        return this;
    }
}
