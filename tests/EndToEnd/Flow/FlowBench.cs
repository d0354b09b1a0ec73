using SevTio.Cli.Configuration;
using SevTio.Cli.Platform;
using SevTio.Guest;
using SevTio.Host.Misbehaviour;

namespace SevTio.EndToEnd.Tests.Flow;

/// <summary>A small full platform for the flow tests: 2 MiB DMA window, 20 MiB guest, 4 MiB SWIOTLB.</summary>
internal static class FlowBench
{
    public static TioPlatform Create(HostMisbehaviour? misbehaviour = null, GuestKernelOptions? kernel = null, bool connect = true, params string[] assignments)
    {
        var config = new ScenarioConfig();
        config.SetAssignment("workload.window=2MiB");
        config.SetAssignment("workload.total=2MiB");
        foreach (var a in assignments)
        {
            config.SetAssignment(a);
        }

        config.Validate();
        return TioPlatform.Create(config, new TioPlatformOptions
        {
            Misbehaviour = misbehaviour,
            Kernel = kernel,
            GuestMemoryBytes = 20UL << 20,
            SwiotlbBytes = 4UL << 20,
            ConnectDevice = connect,
        }, workers: 1);
    }
}
