namespace SevTio.Cli.Configuration;

/// <summary>Every key of DESIGN.md's command-line contract, with its default and meaning.</summary>
public static class ConfigKeys
{
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        ConfigKey.Int("link.gen", 5, "PCIe generation (1-6)", 1, 6),
        ConfigKey.Int("link.width", 16, "lanes", allowed: [1, 2, 4, 8, 16]),
        ConfigKey.Bool("link.flit", false, "flit mode (gen 6 implies it)"),
        ConfigKey.Size("link.mps", "256B", "max payload size", 128, 4096, powerOfTwo: true),
        ConfigKey.Size("link.mrrs", "512B", "max read request size", 128, 4096, powerOfTwo: true),
        ConfigKey.Size("link.rcb", "64B", "read completion boundary", 64, 128, powerOfTwo: true),
        ConfigKey.Bool("ide.enabled", true, "IDE (AES-GCM-256) on the selective stream"),
        ConfigKey.Int("ide.aggregation", 1, "TLPs per MAC", allowed: [1, 2, 4, 8]),
        ConfigKey.Bool("ide.pcrc", false, "plaintext CRC in IDE TLPs"),
        ConfigKey.Bool("iommu.enabled", true, "IOMMU translation"),
        ConfigKey.Int("iommu.iotlb_entries", 64, "IOTLB entries", 1, 1 << 20),
        ConfigKey.Choice("iommu.page_size", "4kib", "I/O page size (4KiB, 2MiB, 1GiB)", "4kib", "2mib", "1gib"),
        ConfigKey.Duration("host.read_latency", "550ns", "host memory read round trip seen by the root port"),
        ConfigKey.Choice("host.completion_split", "mps", "completions up to MPS on RCB boundaries (mps) or RCB-sized (rcb)", "mps", "rcb"),
        ConfigKey.Int("device.read_tags", 32, "outstanding DMA read requests", 1, 1024),
        ConfigKey.Choice("workload.direction", "write", "DMA write (device to memory) or read", "write", "read"),
        ConfigKey.Size("workload.transfer_size", "4KiB", "bytes per DMA", 4, 1L << 30),
        ConfigKey.Size("workload.total", "256MiB", "total bytes moved", 4, 1L << 44),
        ConfigKey.Size("workload.window", "64MiB", "address window the DMAs land in", 4096, 1L << 40),
        ConfigKey.Size("workload.job", "64MiB", "bytes per DMA job (one descriptor; a link fault costs the job it hits)", 4, 1L << 40),
        ConfigKey.Choice("workload.pattern", "seq", "sequential or random placement in the window", "seq", "random"),
        ConfigKey.Choice("guest.dma_mode", "direct", "direct (accepted TDI, private memory) or bounce (SWIOTLB)", "direct", "bounce"),
        ConfigKey.Choice("crypto.mode", "functional", "functional (real cipher work) or timing (lengths and timing only)", "functional", "timing"),
        ConfigKey.Choice("sim.fidelity", "burst", "burst (one event per burst) or packet (one event per TLP)", "burst", "packet"),
        ConfigKey.Real("faults.tlp_corruption_rate", 0, "injected corrupted TLPs per TLP", 0, 1),
        ConfigKey.Real("faults.tlp_drop_rate", 0, "injected dropped TLPs per TLP", 0, 1),
        ConfigKey.Int("seed", 1, "random seed", 0, uint.MaxValue),
    ];

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out ConfigKey key) => ByName.TryGetValue(name, out key!);
}
