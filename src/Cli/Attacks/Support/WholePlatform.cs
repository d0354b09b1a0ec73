using SevTio.Cli.Configuration;
using SevTio.Cli.Platform;

namespace SevTio.Cli.Attacks.Support;

/// <summary>
/// The whole platform (<see cref="TioPlatform"/>: device, DSM firmware, DOE, PSP, hypervisor, SNP guest, guest kernel)
/// for the attacks that run after a real trust flow: packet level (each TLP crosses the link and the root port's IDE
/// receiver), a small DMA window, one data-path thread.
/// </summary>
internal static class WholePlatform
{
    public static TioPlatform Create(int seed)
    {
        var config = new ScenarioConfig();
        config.SetAssignment("workload.window=4MiB");
        config.SetAssignment($"seed={seed}");
        config.SetAssignment("sim.fidelity=packet");
        config.Validate();
        return TioPlatform.Create(config, workers: 1);
    }
}
