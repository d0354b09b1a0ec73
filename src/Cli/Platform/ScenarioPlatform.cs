using System.Globalization;
using SevTio.Cli.Configuration;
using SevTio.Hw.Device;
using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Platform;

/// <summary>
/// Turns a resolved <see cref="ScenarioConfig"/> into the Hw platform's typed settings: <c>link.*</c>, <c>ide.*</c>,
/// <c>iommu.*</c>, <c>host.*</c>, <c>device.read_tags</c>, <c>crypto.mode</c>, <c>sim.fidelity</c>, <c>seed</c> into a
/// <see cref="PlatformConfiguration"/>, <c>workload.*</c> into a <see cref="DmaWorkload"/>. <c>guest.dma_mode</c> is the
/// runner's (<see cref="Running.FlowRun"/>); <c>faults.*</c> set the link's fault injector (soak runs).
/// </summary>
public static class ScenarioPlatform
{
    public static PlatformConfiguration Configuration(ScenarioConfig config, int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var window = (ulong)config.GetSize("workload.window").Bytes;
        return new PlatformConfiguration
        {
            Link = new LinkParameters
            {
                Generation = (PcieGeneration)config.GetInt("link.gen"),
                Width = (int)config.GetInt("link.width"),
                FlitMode = config.GetBool("link.flit"),
                MaxPayloadSize = (int)config.GetSize("link.mps").Bytes,
                MaxReadRequestSize = (int)config.GetSize("link.mrrs").Bytes,
                ReadCompletionBoundary = (int)config.GetSize("link.rcb").Bytes,
                CompletionSplit = config.GetChoice("host.completion_split") == "rcb" ? CompletionSplitPolicy.ReadCompletionBoundary : CompletionSplitPolicy.MaxPayload,
            },
            IdeEnabled = config.GetBool("ide.enabled"),
            IdeAggregation = (int)config.GetInt("ide.aggregation"),
            IdePcrc = config.GetBool("ide.pcrc"),
            IommuEnabled = config.GetBool("iommu.enabled"),
            IotlbEntries = (int)config.GetInt("iommu.iotlb_entries"),
            PageSize = config.GetChoice("iommu.page_size") switch
            {
                "2mib" => IoPageSize.Size2M,
                "1gib" => IoPageSize.Size1G,
                _ => IoPageSize.Size4K,
            },
            HostReadLatency = config.GetDuration("host.read_latency"),
            ReadTags = (int)config.GetInt("device.read_tags"),
            Crypto = config.GetChoice("crypto.mode") == "timing" ? CryptoMode.Timing : CryptoMode.Functional,
            Fidelity = config.GetChoice("sim.fidelity") == "packet" ? SimulationFidelity.Packet : SimulationFidelity.Burst,
            Workers = workers ?? Math.Clamp(Environment.ProcessorCount, 1, 2),
            Seed = (ulong)config.GetInt("seed"),
            DmaWindowBytes = window,
            TlpCorruptionRate = config.GetReal("faults.tlp_corruption_rate"),
            TlpDropRate = config.GetReal("faults.tlp_drop_rate"),
        }.Validate();
    }

    public static DmaWorkload Workload(ScenarioConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var size = config.GetSize("workload.transfer_size").Bytes;
        if (size > DmaDescriptor.MaxTransferSize)
        {
            throw new ParameterException("workload.transfer_size", size.ToString(CultureInfo.InvariantCulture), "must be at most 1 GiB");
        }

        return new DmaWorkload
        {
            Direction = config.GetChoice("workload.direction") == "read" ? DmaOpcode.Read : DmaOpcode.Write,
            TransferSize = (int)size,
            TotalBytes = config.GetSize("workload.total").Bytes,
            WindowBytes = (ulong)config.GetSize("workload.window").Bytes,
            JobBytes = config.GetSize("workload.job").Bytes,
            Random = config.GetChoice("workload.pattern") == "random",
            Seed = unchecked((uint)config.GetInt("seed")),
        }.Validate();
    }
}
