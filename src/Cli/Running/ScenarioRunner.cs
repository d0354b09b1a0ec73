using System.Collections.Concurrent;
using System.Diagnostics;
using SevTio.Cli.Configuration;
using SevTio.Cli.Platform;
using SevTio.Cli.Results;
using SevTio.Guest;
using SevTio.Guest.Drivers;
using SevTio.Hw.Device;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Running;

/// <summary>
/// Runs one resolved scenario as the whole SEV-TIO flow: builds the platform (<see cref="TioPlatform"/>: TIO init,
/// SNP guest launch, the host's connect with SPDM and IDE keys, the guest kernel), then, in the guest, lock, report
/// check and accept through sysfs (<c>guest.dma_mode=direct</c> with IDE on), binds the driver for the model device,
/// runs the DMA workload through it, checks the data, unbinds and unlocks; and reports every figure with its unit.
/// Thread-safe: sweeps call it from several threads (each run owns its platform, meters and threads).
/// </summary>
/// <remarks>
/// The DMA phase keeps C2's fused data path: the driver describes bulk jobs with descriptors and touches the device
/// once per job (doorbell, MSI-X, completion record). With <c>guest.dma_mode=bounce</c> the device is left unaccepted
/// and every job's chunk is bounced through SWIOTLB; with IDE off it cannot be accepted, and the driver shares its
/// window with the host (a coherent buffer) so the device DMAs into it without copies.
/// </remarks>
public static class ScenarioRunner
{
    /// <summary>Simulated time run between progress reports and cancellation checks.</summary>
    private static readonly SimTime s_slice = SimTime.FromMicroseconds(50);

    /// <summary>The driver's watchdog in soak runs: no job completing for this long means the device stopped answering.</summary>
    private static readonly SimTime s_faultWatchdog = SimTime.FromMilliseconds(1);

    /// <summary>Recoveries in a row without a job completing before the run gives up (the link fails faster than jobs finish).</summary>
    private const int RecoveriesWithoutProgress = 32;

    /// <summary>Data-path shapes already run once in this process (their code is compiled).</summary>
    private static readonly ConcurrentDictionary<(SimulationFidelity, CryptoMode, DmaOpcode, bool, bool), bool> s_warm = new();

    public static RunResult Run(ScenarioConfig config, IProgress<double>? progress = null, CancellationToken cancellation = default) =>
        Run(config, new RunOptions { Progress = progress, Cancellation = cancellation });

    public static RunResult Run(ScenarioConfig config, RunOptions? options)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new RunOptions();
        options.Cancellation.ThrowIfCancellationRequested();
        var bounce = config.GetChoice("guest.dma_mode") == "bounce";

        // Bounced jobs hand over to the guest CPU every 256 KiB: a second data-path thread only adds hand-offs (the
        // simulated results are the same on one or two).
        var platformConfig = ScenarioPlatform.Configuration(config, options.Workers ?? (bounce ? 1 : null));
        var workload = ScenarioPlatform.Workload(config);
        var result = new RunResult(config.Name, config.Resolved, Provenance.Capture());

        var warmUp = Stopwatch.StartNew();
        WarmUp(platformConfig, workload, bounce);
        warmUp.Stop();

        var bringUp = Stopwatch.StartNew();
        using var platform = TioPlatform.Create(platformConfig, new TioPlatformOptions { HwCreated = options.PlatformCreated });
        platform.Hw.CreateInstruments();
        var flow = new FlowRun(platform, workload, bounce);
        flow.Prologue();
        bringUp.Stop();

        var scheduler = platform.Scheduler;
        var before = new CounterSnapshot(platform, flow, fromBaseline: true);
        var totalBytes = workload.TotalTransfers * workload.TransferSize;
        var faults = platform.Hw.LinkFaults;
        var detections = new DetectionCounter(faults);
        if (faults is not null)
        {
            // Soak: faults on the link from the first doorbell; the driver's watchdog and recovery are on.
            faults.Armed = true;
            flow.Driver.Watchdog = s_faultWatchdog;
            platform.RootPort.Ide.StreamBecameInsecure += detections.OnStreamInsecure;
        }

        var host = Stopwatch.StartNew();
        flow.Driver.Start();
        var stalled = 0;
        var completedAtRecovery = -1L;
        while (!flow.Driver.Done)
        {
            if (flow.Driver.RecoveryNeeded)
            {
                stalled = flow.Driver.JobsCompleted == completedAtRecovery ? stalled + 1 : 0;
                if (stalled >= RecoveriesWithoutProgress)
                {
                    throw new FlowCheckException($"{stalled} recoveries in a row without a job completing: the link fails faster than jobs finish (faults.* too high for workload.job size)");
                }

                completedAtRecovery = flow.Driver.JobsCompleted;
                platform.Hw.Drain();
                flow.Recover();
                faults?.Armed = true; // new keys: the link carries protected traffic again
                continue;
            }

            if (scheduler.PendingCount == 0)
            {
                break;
            }

            scheduler.RunUntil(scheduler.Now + s_slice);
            options.Cancellation.ThrowIfCancellationRequested();
            options.Progress?.Report(Math.Min(1.0, platform.Hw.DmaStatistics.Bytes / (double)totalBytes));
        }

        faults?.Armed = false;
        platform.RootPort.Ide.StreamBecameInsecure -= detections.OnStreamInsecure;

        platform.Hw.Drain();
        host.Stop();
        options.Progress?.Report(1.0);
        var after = new CounterSnapshot(platform, flow, fromBaseline: false);
        flow.Epilogue();

        Report(result, platform, flow, workload, before, after, host.Elapsed, bringUp.Elapsed);
        ReportFaults(result, platform, flow, workload, detections.Count);
        result.Add("host.warmup_time_s", warmUp.Elapsed.TotalSeconds, "s", "Host wall-clock time of the once-per-process warm-up (a short run of the same data path, so the DMA phase measures the model, not the JIT)");
        options.BeforeTeardown?.Invoke();
        return result;
    }

    /// <summary>
    /// Runs a few transfers of the same flow and data path on a small scratch platform, once per process and path
    /// shape, so the measured DMA phase does not include JIT compilation. Nothing of it reaches the result.
    /// </summary>
    private static void WarmUp(PlatformConfiguration config, DmaWorkload workload, bool bounce)
    {
        if (!s_warm.TryAdd((config.Fidelity, config.Crypto, workload.Direction, config.IdeEnabled, bounce), true))
        {
            return;
        }

        var size = Math.Min(workload.TransferSize, 64 << 10);
        var window = Math.Max(1UL << 20, (ulong)size);
        using var scratch = TioPlatform.Create(config with { DmaWindowBytes = window }, new TioPlatformOptions { GuestMemoryBytes = 20UL << 20, SwiotlbBytes = 4UL << 20 });
        var flow = new FlowRun(scratch, workload with { TransferSize = size, TotalBytes = 64L * size, WindowBytes = window, JobBytes = 16L * size }, bounce);
        flow.Prologue();
        flow.Driver.Start();
        flow.Driver.RunToCompletion();
        scratch.Hw.Drain();
        flow.Epilogue();
    }

    private static void Report(RunResult r, TioPlatform platform, FlowRun flow, DmaWorkload workload, CounterSnapshot before, CounterSnapshot after, TimeSpan hostTime, TimeSpan bringUpTime)
    {
        var hw = platform.Hw;
        var stats = hw.DmaStatistics;
        var driver = flow.Driver;
        var write = workload.Direction == DmaOpcode.Write;
        var latency = write ? stats.WriteLatency : stats.ReadLatency;
        var dataSpan = stats.LastDataDone - stats.FirstDataIssued;
        var simTime = (driver.Done ? driver.FinishedAt : driver.StartedAt) - driver.StartedAt;
        var hostSeconds = Math.Max(hostTime.TotalSeconds, 1e-9);
        var events = after.Events - before.Events;

        r.Add("dma.bandwidth_gbps", dataSpan > SimTime.Zero ? stats.Bytes * 8.0 / dataSpan.TotalSeconds / 1e9 : 0, "Gb/s",
            "Simulated DMA payload throughput: payload bits / (last transfer done − first data TLP issued)");
        r.Add("dma.effective_gbps", simTime > SimTime.Zero ? stats.Bytes * 8.0 / simTime.TotalSeconds / 1e9 : 0, "Gb/s",
            "Payload bits per simulated second of the whole DMA phase (first doorbell → last completion seen), guest CPU work included");
        r.Add("dma.latency_ns.p50", latency.Percentile(0.50).TotalNanoseconds, "ns", "Median latency of a DMA transfer (write: first TLP issued → last byte committed; read: first request issued → last completion received)");
        r.Add("dma.latency_ns.p99", latency.Percentile(0.99).TotalNanoseconds, "ns", "99th percentile latency of a DMA transfer");
        r.Add("dma.latency_ns.mean", latency.Mean.TotalNanoseconds, "ns", "Mean latency of a DMA transfer");
        r.Add("dma.latency_ns.max", latency.Count == 0 ? 0 : latency.Max.TotalNanoseconds, "ns", "Largest latency of a DMA transfer");
        r.Add("dma.bytes", stats.Bytes, "By", "DMA payload moved");
        r.Add("dma.transfers", stats.TransfersWritten + stats.TransfersRead, "{transfer}", "DMA transfers finished");
        r.Add("dma.transfers_failed", stats.TransfersFailed, "{transfer}", "DMA transfers the root complex refused (dropped writes, UR/CA reads)");
        r.Add("dma.jobs", driver.JobsCompleted, "{job}", "Descriptors completed successfully");
        r.Add("dma.jobs_failed", driver.TotalJobs - driver.JobsCompleted, "{job}", "Descriptors that failed or never completed");
        r.Add("dma.job_time_s", driver.TotalJobs == 0 ? 0 : simTime.TotalSeconds / driver.TotalJobs, "s", "Simulated time of the DMA phase per job (descriptor)");

        r.Add("link.tlps", after.TlpsUp + after.TlpsDown - before.TlpsUp - before.TlpsDown, "{tlp}", "TLPs on the link in the DMA phase, both directions (data, requests, completions, control, IDE Sync)");
        r.Add("link.tlps_upstream", after.TlpsUp - before.TlpsUp, "{tlp}", "TLPs device → root port");
        r.Add("link.tlps_downstream", after.TlpsDown - before.TlpsDown, "{tlp}", "TLPs root port → device");
        r.Add("link.wire_bytes", after.WireBytes - before.WireBytes, "By", "Link bytes, both directions: TLPs with framing and IDE prefix/MAC/PCRC");
        r.Add("link.upstream_busy_ratio", simTime > SimTime.Zero ? (after.BusyUp - before.BusyUp) / (double)simTime.Picoseconds : 0, "1", "Share of the DMA phase the device → root port serialiser was busy");

        r.Add("ide.overhead_ratio", IdeOverhead(hw, workload), "1",
            "Throughput lost to IDE bytes: 1 − (link-model payload bandwidth of this transfer size and direction with this IDE setting) / (the same link without IDE); 0 with IDE off");
        r.Add("ide.sync_messages", after.SyncMessages - before.SyncMessages, "{message}", "IDE Sync messages the device sent (one per 245 posted TLPs)");

        r.Add("iommu.translations", after.Translations - before.Translations, "{translation}", "IOMMU translations (per TLP at packet level, per page or read request at burst level)");
        r.Add("iommu.iotlb_hits", after.IotlbHits - before.IotlbHits, "{hit}", "IOTLB hits");
        r.Add("iommu.iotlb_misses", after.IotlbMisses - before.IotlbMisses, "{miss}", "IOTLB misses (each a page walk)");
        r.Add("iommu.walk_time_s", (after.WalkTime - before.WalkTime).TotalSeconds, "s", "Simulated time spent in page walks");
        r.Add("iommu.faults", after.IommuFaults - before.IommuFaults, "{fault}", "Requests the IOMMU refused");
        r.Add("rmp.checks", after.RmpChecks - before.RmpChecks, "{check}", "RMP checks in the DMA phase (DMA and CPU: bounce copies, MMIO)");
        r.Add("rmp.check_violations", after.RmpViolations - before.RmpViolations, "{violation}", "RMP checks that refused the access");
        r.Add("rmp.cache_misses", after.RmpCacheMisses - before.RmpCacheMisses, "{miss}", "RMP entry cache misses (timed entry reads)");

        flow.ReportTrust(r);

        r.Add("guest.copy_time_s", (after.CopyTime - before.CopyTime).TotalSeconds, "s", "Guest CPU time spent copying through SWIOTLB in the DMA phase (simulated)");
        r.Add("guest.conversion_time_s", (after.ConversionTime - before.ConversionTime).TotalSeconds, "s", "Guest CPU time spent converting pages private↔shared for the workload (window set-up included; simulated)");
        r.Add("guest.bounced_bytes", after.BouncedBytes - before.BouncedBytes, "By", "Bytes the guest CPU copied between private buffers and SWIOTLB slots");
        r.Add("guest.converted_pages", after.ConvertedPages - before.ConvertedPages, "{page}", "Pages converted between private and shared for the workload");
        r.Add("guest.exits", after.Exits - before.Exits, "{exit}", "VMGEXITs the guest took for the workload (window set-up and DMA phase: page-state changes)");
        r.Add("guest.interrupts", after.Interrupts - before.Interrupts, "{interrupt}", "Device interrupts the guest handled in the DMA phase");
        r.Add("guest.cpu_overhead_ratio", simTime > SimTime.Zero ? (after.CopyTime + after.ConversionTime - before.CopyTime - before.ConversionTime).Picoseconds / (double)simTime.Picoseconds : 0, "1",
            "Guest CPU time copying and converting per simulated second of the DMA phase");
        r.Add("guest.dma_direct", flow.Path == ModelDmaPath.Direct ? 1 : 0, "1", "1: the accepted device DMAs straight into private memory; 0: bounced or shared");
        r.Add("guest.data_checked_bytes", flow.CheckedBytes, "By", "Window bytes the guest compared with the data it gave the device (functional, sequential device writes)");
        r.Add("guest.data_errors", flow.DataErrors, "By", "Window bytes that differed from what the device was given");

        r.Add("sim.time_s", simTime.TotalSeconds, "s", "Simulated time of the DMA phase: first doorbell → the driver sees the last completion");
        r.Add("sim.events", events, "{event}", "Scheduler events executed in the DMA phase");
        r.Add("host.time_s", hostTime.TotalSeconds, "s", "Host wall-clock time of the DMA phase");
        r.Add("host.bringup_time_s", bringUpTime.TotalSeconds, "s", "Host wall-clock time of the platform build and the trust flow up to the DMA phase");
        r.Add("host.payload_gbytes_per_s", stats.Bytes / hostSeconds / 1e9, "GB/s", "DMA payload moved per host second (functional mode: real bytes through real cryptography)");
        r.Add("sim.realtime_factor", simTime.TotalSeconds / hostSeconds, "1", "Simulated seconds per host second of the DMA phase (≥ 1: faster than real time)");
        r.Add("sim.events_per_s", events / hostSeconds, "{event}/s", "Scheduler events per host second");
        var c = hw.Configuration;
        var workers = c.Fidelity == SimulationFidelity.Burst && c.Crypto == CryptoMode.Functional ? c.Workers : 1;
        r.Add("sim.workers", workers, "{thread}",
            "Threads of the burst level's data path (functional: device side and host side; timing and packet level: the simulation thread)");
    }

    /// <summary>
    /// <c>faults.*</c> (soak runs only: any fault rate set). bytes_lost is what the guest does not hold as the device
    /// sent it at the end: in functional mode the window bytes that differ from the device's data (end-to-end check),
    /// plus, in both modes, the payload of jobs never completed successfully; it must be 0, as must undetected.
    /// </summary>
    private static void ReportFaults(RunResult r, TioPlatform platform, FlowRun flow, DmaWorkload workload, long rootStreamFailures)
    {
        if (platform.Hw.LinkFaults is not { } faults)
        {
            return;
        }

        // The burst level counts its own detections (it decides them); the packet level's are the root port's real
        // check failures (its stream going Insecure).
        var burst = platform.Hw.BurstTransport;
        var detected = burst?.FaultsDetected ?? rootStreamFailures;
        var byCheck = burst?.FaultsDetectedByCheck ?? rootStreamFailures;
        var driver = flow.Driver;
        var missing = Math.Max(0, workload.TotalTransfers - driver.TransfersCompleted) * workload.TransferSize;
        r.Add("faults.injected", faults.Injected, "{fault}", "Link faults injected on the device's IDE-protected write TLPs (corrupted + dropped)");
        r.Add("faults.corrupted", faults.Corruptions, "{fault}", "TLPs with a bit flipped in flight (payload ciphertext or MAC)");
        r.Add("faults.dropped", faults.Drops, "{fault}", "TLPs removed in flight");
        r.Add("faults.detected", detected, "{fault}", "Injected faults the root port's IDE check detected (stream Insecure)");
        r.Add("faults.detected_by_check", byCheck, "{fault}", "Of those, caught by the real MAC check on real bytes (functional mode; a drop detected at the next control write, and timing mode, are marked by the model)");
        r.Add("faults.undetected", faults.Injected - detected, "{fault}", "Injected faults never detected (must be 0)");
        r.Add("faults.recovered", flow.Recoveries, "{recovery}", "Times the guest re-established the device (unlock, reconnect with new IDE keys, lock, accept, rebind) and resubmitted its unfinished jobs");
        r.Add("faults.timeouts", driver.Timeouts, "{timeout}", "Driver watchdog expiries (the device stopped answering)");
        r.Add("faults.error_completions", driver.ErrorCompletions, "{job}", "Jobs completed with an error status");
        r.Add("faults.jobs_resubmitted", driver.JobsResubmitted, "{job}", "Jobs submitted again after a recovery");
        r.Add("faults.transfers_lost", burst?.TransfersLostToFaults ?? platform.Hw.DmaStatistics.TransfersFailed, "{transfer}", "Write transfers not committed because of a fault (hit, or sent before the device learnt of it)");
        r.Add("faults.recovery_time_s", flow.RecoveryTime.TotalSeconds, "s", "Simulated time spent re-establishing the device, summed");
        r.Add("faults.bytes_lost", flow.DataErrors + missing, "By", "Bytes the guest does not hold as the device sent them at the end (must be 0)");
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
        var address = TioPlatform.GuestRamBase;
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

    /// <summary>Root-port stream failures in the DMA phase (an event handler: the burst level's worker may raise it behind its drain fence).</summary>
    private sealed class DetectionCounter(Hw.Pcie.Faults.LinkFaultInjector? faults)
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void OnStreamInsecure(Hw.Ide.IdeStream stream, Hw.Ide.IdeCheckFailure reason)
        {
            if (reason is not (Hw.Ide.IdeCheckFailure.FailMessageReceived or Hw.Ide.IdeCheckFailure.Disabled))
            {
                Interlocked.Increment(ref _count);

                // What the link carries until the device is re-established is discarded by the Insecure stream:
                // faults there would be neither detectable nor harmful, so none are injected (both levels agree).
                faults?.Armed = false;
            }
        }
    }

    /// <summary>The platform's cumulative counters at one instant (the DMA phase's figures are differences).</summary>
    private sealed class CounterSnapshot
    {
        public CounterSnapshot(TioPlatform platform, FlowRun flow, bool fromBaseline)
        {
            var hw = platform.Hw;
            var up = hw.Link.UpstreamPort.Statistics;
            var down = hw.Link.DownstreamPort.Statistics;
            TlpsUp = up.TlpsSent;
            TlpsDown = down.TlpsSent;
            WireBytes = up.WireBytes + down.WireBytes;
            BusyUp = up.BusyPicoseconds;
            SyncMessages = hw.BurstTransport?.SyncMessages ?? hw.PacketTransport?.SyncMessages ?? 0;
            var iommu = hw.Iommu.Counters;
            Translations = iommu.Translations;
            IotlbHits = iommu.IotlbHits;
            IotlbMisses = iommu.IotlbMisses;
            WalkTime = iommu.WalkTime;
            IommuFaults = iommu.Faults;
            var rmp = hw.Rmp.Counters;
            RmpChecks = rmp.Checks;
            RmpViolations = rmp.Violations;
            RmpCacheMisses = rmp.CacheMisses;
            // The guest's CPU figures count from just before the workload's window was set up (its conversions count).
            var accounting = platform.Kernel.Accounting;
            (CopyTime, ConversionTime, BouncedBytes, ConvertedPages, Exits) = fromBaseline
                ? flow.Baseline
                : (accounting.CopyTime, accounting.ConversionTime, accounting.BouncedBytes, accounting.ConvertedPages, platform.Guest.Vcpu.Exits);
            Interrupts = flow.Driver.InterruptsHandled;
            Events = hw.Scheduler.EventsExecuted;
        }

        public long TlpsUp { get; }

        public long TlpsDown { get; }

        public long WireBytes { get; }

        public long BusyUp { get; }

        public long SyncMessages { get; }

        public long Translations { get; }

        public long IotlbHits { get; }

        public long IotlbMisses { get; }

        public SimTime WalkTime { get; }

        public long IommuFaults { get; }

        public long RmpChecks { get; }

        public long RmpViolations { get; }

        public long RmpCacheMisses { get; }

        public SimTime CopyTime { get; }

        public SimTime ConversionTime { get; }

        public long BouncedBytes { get; }

        public long ConvertedPages { get; }

        public long Exits { get; }

        public long Interrupts { get; }

        public long Events { get; }
    }
}
