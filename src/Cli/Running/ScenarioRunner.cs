using System.Collections.Concurrent;
using System.Diagnostics;
using SevTio.Cli.Configuration;
using SevTio.Cli.Platform;
using SevTio.Cli.Results;
using SevTio.Hw.Device;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Running;

/// <summary>
/// Runs one resolved scenario: builds the platform from the configuration, brings it up (<see cref="PlatformBringUp"/>,
/// until the trust flow exists), runs the DMA workload through the guest's driver, and reports every figure with its
/// unit. Thread-safe: sweeps call it from several threads (each run owns its platform, meters and threads).
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Simulated time run between progress reports and cancellation checks.</summary>
    private static readonly SimTime s_slice = SimTime.FromMicroseconds(50);

    /// <summary>Data-path shapes already run once in this process (their code is compiled).</summary>
    private static readonly ConcurrentDictionary<(SimulationFidelity, CryptoMode, DmaOpcode, bool), bool> s_warm = new();

    public static RunResult Run(ScenarioConfig config, IProgress<double>? progress = null, CancellationToken cancellation = default) =>
        Run(config, new RunOptions { Progress = progress, Cancellation = cancellation });

    public static RunResult Run(ScenarioConfig config, RunOptions? options)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new RunOptions();
        options.Cancellation.ThrowIfCancellationRequested();
        var platformConfig = ScenarioPlatform.Configuration(config, options.Workers);
        var workload = ScenarioPlatform.Workload(config);
        var result = new RunResult(config.Name, config.Resolved, Provenance.Capture());

        var warmUp = Stopwatch.StartNew();
        WarmUp(platformConfig, workload);
        warmUp.Stop();

        using var platform = new SevTioPlatform(platformConfig);
        options.PlatformCreated?.Invoke(platform);
        platform.CreateInstruments();
        var bringUp = Stopwatch.StartNew();
        var guest = PlatformBringUp.Run(platform);
        var driver = new DmaWorkloadDriver(guest, workload);
        bringUp.Stop();

        var scheduler = platform.Scheduler;
        var eventsBefore = scheduler.EventsExecuted;
        var totalBytes = workload.TotalTransfers * workload.TransferSize;
        var host = Stopwatch.StartNew();
        driver.Start();
        while (!driver.Done && scheduler.PendingCount > 0)
        {
            scheduler.RunUntil(scheduler.Now + s_slice);
            options.Cancellation.ThrowIfCancellationRequested();
            options.Progress?.Report(Math.Min(1.0, platform.DmaStatistics.Bytes / (double)totalBytes));
        }

        platform.Drain();
        host.Stop();
        options.Progress?.Report(1.0);

        Report(result, platform, driver, workload, host.Elapsed, bringUp.Elapsed, scheduler.EventsExecuted - eventsBefore);
        result.Add("host.warmup_time_s", warmUp.Elapsed.TotalSeconds, "s", "Host wall-clock time of the once-per-process warm-up (a short run of the same data path, so the DMA phase measures the model, not the JIT)");
        options.BeforeTeardown?.Invoke();
        return result;
    }

    /// <summary>
    /// Runs a few transfers of the same data path on a small scratch platform, once per process and path shape, so
    /// the measured DMA phase does not include JIT compilation (the hot methods compile fully optimised on first use).
    /// Nothing of it reaches the result's simulated figures.
    /// </summary>
    private static void WarmUp(PlatformConfiguration config, DmaWorkload workload)
    {
        if (!s_warm.TryAdd((config.Fidelity, config.Crypto, workload.Direction, config.IdeEnabled), true))
        {
            return;
        }

        var size = Math.Min(workload.TransferSize, 64 << 10);
        var window = Math.Max(1UL << 20, (ulong)size);
        using var scratch = new SevTioPlatform(config with { DmaWindowBytes = window });
        var guest = PlatformBringUp.Run(scratch);
        var driver = new DmaWorkloadDriver(guest, workload with { TransferSize = size, TotalBytes = 64L * size, WindowBytes = window, JobBytes = 16L * size });
        driver.Start();
        scratch.Scheduler.RunWhile(() => !driver.Done);
        scratch.Drain();
    }

    private static void Report(RunResult r, SevTioPlatform platform, DmaWorkloadDriver driver, DmaWorkload workload, TimeSpan hostTime, TimeSpan bringUpTime, long events)
    {
        var stats = platform.DmaStatistics;
        var write = workload.Direction == DmaOpcode.Write;
        var latency = write ? stats.WriteLatency : stats.ReadLatency;
        var dataSpan = stats.LastDataDone - stats.FirstDataIssued;
        var simTime = (driver.Done ? driver.FinishedAt : platform.Scheduler.Now) - driver.StartedAt;
        var hostSeconds = Math.Max(hostTime.TotalSeconds, 1e-9);

        r.Add("dma.bandwidth_gbps", dataSpan > SimTime.Zero ? stats.Bytes * 8.0 / dataSpan.TotalSeconds / 1e9 : 0, "Gb/s",
            "Simulated DMA payload throughput: payload bits / (last transfer done − first data TLP issued)");
        r.Add("dma.latency_ns.p50", latency.Percentile(0.50).TotalNanoseconds, "ns", "Median latency of a DMA transfer (write: first TLP issued → last byte committed; read: first request issued → last completion received)");
        r.Add("dma.latency_ns.p99", latency.Percentile(0.99).TotalNanoseconds, "ns", "99th percentile latency of a DMA transfer");
        r.Add("dma.latency_ns.mean", latency.Mean.TotalNanoseconds, "ns", "Mean latency of a DMA transfer");
        r.Add("dma.latency_ns.max", latency.Count == 0 ? 0 : latency.Max.TotalNanoseconds, "ns", "Largest latency of a DMA transfer");
        r.Add("dma.bytes", stats.Bytes, "By", "DMA payload moved");
        r.Add("dma.transfers", stats.TransfersWritten + stats.TransfersRead, "{transfer}", "DMA transfers finished");
        r.Add("dma.transfers_failed", stats.TransfersFailed, "{transfer}", "DMA transfers the root complex refused (dropped writes, UR/CA reads)");
        r.Add("dma.jobs", driver.JobsCompleted, "{job}", "Descriptors completed successfully");
        r.Add("dma.jobs_failed", driver.TotalJobs - driver.JobsCompleted, "{job}", "Descriptors that failed or never completed");

        var up = platform.Link.UpstreamPort.Statistics;
        var down = platform.Link.DownstreamPort.Statistics;
        r.Add("link.tlps", up.TlpsSent + down.TlpsSent, "{tlp}", "TLPs on the link, both directions (data, requests, completions, control, IDE Sync)");
        r.Add("link.tlps_upstream", up.TlpsSent, "{tlp}", "TLPs device → root port");
        r.Add("link.tlps_downstream", down.TlpsSent, "{tlp}", "TLPs root port → device");
        r.Add("link.wire_bytes", up.WireBytes + down.WireBytes, "By", "Link bytes, both directions: TLPs with framing and IDE prefix/MAC/PCRC");
        r.Add("link.upstream_busy_ratio", simTime > SimTime.Zero ? up.BusyPicoseconds / (double)simTime.Picoseconds : 0, "1", "Share of the DMA phase the device → root port serialiser was busy");

        r.Add("ide.overhead_ratio", IdeOverhead(platform, workload), "1",
            "Throughput lost to IDE bytes: 1 − (link-model payload bandwidth of this transfer size and direction with this IDE setting) / (the same link without IDE); 0 with IDE off");
        r.Add("ide.sync_messages", platform.BurstTransport?.SyncMessages ?? platform.PacketTransport?.SyncMessages ?? 0, "{message}", "IDE Sync messages the device sent (one per 245 posted TLPs)");

        var iommu = platform.Iommu.Counters;
        r.Add("iommu.translations", iommu.Translations, "{translation}", "IOMMU translations (per TLP at packet level, per page or read request at burst level)");
        r.Add("iommu.iotlb_hits", iommu.IotlbHits, "{hit}", "IOTLB hits");
        r.Add("iommu.iotlb_misses", iommu.IotlbMisses, "{miss}", "IOTLB misses (each a page walk)");
        r.Add("iommu.walk_time_s", iommu.WalkTime.TotalSeconds, "s", "Simulated time spent in page walks");
        r.Add("iommu.faults", iommu.Faults, "{fault}", "Requests the IOMMU refused");
        var rmp = platform.Rmp.Counters;
        r.Add("rmp.checks", rmp.Checks, "{check}", "RMP checks (DMA and CPU, bring-up included)");
        r.Add("rmp.check_violations", rmp.Violations, "{violation}", "RMP checks that refused the access");
        r.Add("rmp.cache_misses", rmp.CacheMisses, "{miss}", "RMP entry cache misses (timed entry reads)");

        r.Add("sim.time_s", simTime.TotalSeconds, "s", "Simulated time of the DMA phase: first doorbell → the driver sees the last completion");
        r.Add("sim.events", events, "{event}", "Scheduler events executed in the DMA phase");
        r.Add("host.time_s", hostTime.TotalSeconds, "s", "Host wall-clock time of the DMA phase");
        r.Add("host.bringup_time_s", bringUpTime.TotalSeconds, "s", "Host wall-clock time of the platform bring-up");
        r.Add("host.payload_gbytes_per_s", stats.Bytes / hostSeconds / 1e9, "GB/s", "DMA payload moved per host second (functional mode: real bytes through real cryptography)");
        r.Add("sim.realtime_factor", simTime.TotalSeconds / hostSeconds, "1", "Simulated seconds per host second of the DMA phase (≥ 1: faster than real time)");
        r.Add("sim.events_per_s", events / hostSeconds, "{event}/s", "Scheduler events per host second");
        r.Add("sim.workers", platform.Configuration.Fidelity == SimulationFidelity.Burst ? platform.Configuration.Workers : 1, "{thread}",
            "Threads of the burst level's data path (functional: device side and host side; timing: link planning and write completion)");
    }

    /// <summary>1 − bandwidth with IDE / bandwidth without, from the link equations, for the workload's size and direction.</summary>
    internal static double IdeOverhead(SevTioPlatform platform, DmaWorkload workload)
    {
        var c = platform.Configuration;
        if (!c.IdeEnabled)
        {
            return 0;
        }

        var timing = platform.Link.Timing;
        var size = workload.TransferSize;
        var address = SevTioPlatform.DmaWindowBase;
        var posted = new IdeLinkOverhead(true, c.IdeAggregation, c.IdePcrc);
        if (workload.Direction == DmaOpcode.Write)
        {
            return 1 - (timing.WriteBandwidth(size, posted, address).BytesPerSecond / timing.WriteBandwidth(size, IdeLinkOverhead.None, address).BytesPerSecond);
        }

        var requests = new IdeLinkOverhead(true, 1, false);
        double Rate(IdeLinkOverhead req, IdeLinkOverhead cpl) =>
            (double)size / Math.Max(timing.ReadRequestCost(address, size, req).WireBytes, timing.CompletionCost(address, size, cpl).WireBytes);
        return 1 - (Rate(requests, posted) / Rate(IdeLinkOverhead.None, IdeLinkOverhead.None));
    }
}
