using System.Globalization;
using SevTio.Cli.Platform;
using SevTio.Cli.Results;
using SevTio.Guest;
using SevTio.Guest.Drivers;
using SevTio.Hw.Device;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Running;

/// <summary>
/// The guest's part of a run on a <see cref="TioPlatform"/>, in the order a user drives it: lock (<c>tsm/lock</c>),
/// the report check, accept (<c>tsm/accept</c>) — for <c>guest.dma_mode=direct</c> with IDE —, the driver bound
/// through sysfs, the device primed with random data the guest keeps (so it can check what the device writes back),
/// the workload prepared; after the DMA phase, the data check, the driver unbound and the device unlocked.
/// </summary>
public sealed class FlowRun
{
    private readonly TioPlatform _platform;
    private readonly DmaWorkload _workload;
    private readonly bool _bounce;
    private byte[]? _pattern;
    private Guest.Tsm.TioDevice? _tio;
    private Firmware.Psp.PspTrustPhases? _pspPhases;
    private (SimTime Lock, SimTime Report, SimTime Accept) _guestPhases;

    public FlowRun(TioPlatform platform, DmaWorkload workload, bool bounce)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(workload);
        _platform = platform;
        _workload = workload;
        _bounce = bounce;
        Driver = new ModelDmaDriver(platform.Kernel);
    }

    public ModelDmaDriver Driver { get; }

    /// <summary>The device was locked and accepted (trusted DMA into private memory).</summary>
    public bool Accepted { get; private set; }

    /// <summary>How the workload's DMA reached guest memory (kept after the window is released).</summary>
    public ModelDmaPath Path { get; private set; }

    public long CheckedBytes { get; private set; }

    public long DataErrors { get; private set; }

    /// <summary>Times the device was re-established after a link fault and the driver resumed.</summary>
    public long Recoveries { get; private set; }

    /// <summary>Simulated time spent re-establishing (driver suspend → resume), summed.</summary>
    public SimTime RecoveryTime { get; private set; }

    /// <summary>Guest CPU accounting and exits just before the workload's window was set up (the DMA phase's baseline).</summary>
    public (SimTime CopyTime, SimTime ConversionTime, long BouncedBytes, long ConvertedPages, long Exits) Baseline { get; private set; }

    /// <summary>Simulated time of the driver bind (probe: ring allocation, engine set-up).</summary>
    public SimTime BindTime { get; private set; }

    public void Prologue()
    {
        var c = _platform.Hw.Configuration;
        var kernel = _platform.Kernel;
        if (c.IdeEnabled && !_bounce)
        {
            Require(_platform.WriteTsm("lock", "tsm0"), "tsm/lock");
            _tio = _platform.GuestDevice.Tsm;
            Require(_platform.WriteTsm("accept", "1"), "tsm/accept");
            Accepted = true;

            // The trust flow's figures are the first establishment's (recoveries in a soak repeat it).
            _pspPhases = _platform.Psp.Phases;
            if (_tio?.PhaseTimes is { } t)
            {
                _guestPhases = (t.Lock, t.Report, t.Accept);
            }
        }

        var start = _platform.Scheduler.Now;
        kernel.RegisterDriver(Driver);
        _platform.GuestInterrupt += Driver.OnInterrupt;
        Require(kernel.Sysfs.Write($"/sys/bus/pci/drivers/{ModelDmaDriver.DriverName}/bind", TioPlatform.GuestBdf), "driver bind");
        BindTime = _platform.Scheduler.Now - start;

        var shared = !c.IdeEnabled && !_bounce;
        var guestWorkload = new ModelDmaWorkload
        {
            DeviceWrites = _workload.Direction == DmaOpcode.Write,
            TransferSize = _workload.TransferSize,
            TotalBytes = _workload.TotalBytes,
            WindowBytes = _workload.WindowBytes,
            Random = _workload.Random,
            Seed = _workload.Seed,
            JobBytes = _workload.JobBytes,
            SharedWindow = shared,
        };

        var deviceMemory = Driver.DeviceMemoryBytes;
        if (c.Crypto == CryptoMode.Functional && guestWorkload.DeviceWrites && !guestWorkload.Random && deviceMemory > 0
            && (guestWorkload.WindowBytes % (ulong)deviceMemory == 0 || (ulong)(guestWorkload.TotalTransfers * guestWorkload.TransferSize) <= guestWorkload.WindowBytes))
        {
            Prime(deviceMemory, shared);
        }

        var a = kernel.Accounting;
        Baseline = (a.CopyTime, a.ConversionTime, a.BouncedBytes, a.ConvertedPages, _platform.Guest.Vcpu.Exits);
        var error = Driver.Prepare(guestWorkload);
        if (error == Errno.EINVAL && Driver.Path is ModelDmaPath.None && guestWorkload.TransferSize > 256 * 1024)
        {
            throw new ParameterException("workload.transfer_size", guestWorkload.TransferSize.ToString(CultureInfo.InvariantCulture), "must be at most 256 KiB when DMA bounces through SWIOTLB (one mapping)");
        }

        Require(error, "DMA workload set-up");
        Path = Driver.Path;

        // Priming moved data: the measured phase starts with clean DMA statistics.
        _platform.Hw.Drain();
        _platform.Hw.DmaStatistics.Reset();
    }

    /// <summary>
    /// Re-establishes the device after the driver saw a failure (an error completion or its watchdog): the driver keeps
    /// its window and unfinished jobs and is unbound, the guest unlocks (<c>tsm/unlock</c>: STOP, the TDI leaves ERROR),
    /// the host disconnects and connects again (a new SPDM session and new IDE keys, streams enabled), the guest locks,
    /// checks the report and accepts again, the driver is bound and resumes: the unfinished jobs are submitted first.
    /// </summary>
    public void Recover()
    {
        var start = _platform.Scheduler.Now;
        Driver.Suspend();
        Require(_platform.Kernel.Sysfs.Write($"/sys/bus/pci/drivers/{ModelDmaDriver.DriverName}/unbind", TioPlatform.GuestBdf), "recovery: driver unbind");
        if (Accepted)
        {
            Require(_platform.WriteTsm("unlock", "tsm0"), "recovery: tsm/unlock");
        }

        var link = _platform.DeviceLink;
        if (link.IsConnected)
        {
            var down = link.Disconnect();
            if (down != Protocols.Psp.PspReturnCode.Success)
            {
                throw new FlowCheckException($"recovery: DEV_DISCONNECT failed: {down} ({_platform.Psp.LastDeviceFailure})");
            }
        }

        var up = link.Connect();
        if (up != Protocols.Psp.PspReturnCode.Success)
        {
            throw new FlowCheckException($"recovery: DEV_CONNECT failed: {up} ({_platform.Psp.LastDeviceFailure})");
        }

        if (Accepted)
        {
            Require(_platform.WriteTsm("lock", "tsm0"), "recovery: tsm/lock");
            Require(_platform.WriteTsm("accept", "1"), "recovery: tsm/accept");
        }

        Require(_platform.Kernel.Sysfs.Write($"/sys/bus/pci/drivers/{ModelDmaDriver.DriverName}/bind", TioPlatform.GuestBdf), "recovery: driver bind");
        Require(Driver.Resume(), "recovery: driver resume");
        Recoveries++;
        RecoveryTime += _platform.Scheduler.Now - start;
    }

    public void Epilogue()
    {
        if (_pattern is not null && Driver.Done)
        {
            DataErrors = Driver.CheckWindow(_pattern, out var checkedBytes);
            CheckedBytes = checkedBytes;
        }

        Driver.Release();
        _platform.GuestInterrupt -= Driver.OnInterrupt;
        _platform.Kernel.Sysfs.Write($"/sys/bus/pci/drivers/{ModelDmaDriver.DriverName}/unbind", TioPlatform.GuestBdf);
        if (Accepted)
        {
            Require(_platform.WriteTsm("unlock", "tsm0"), "tsm/unlock");
        }
    }

    /// <summary>The trust flow's simulated times: <c>trust.*_s</c>.</summary>
    public void ReportTrust(RunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var psp = _pspPhases ?? _platform.Psp.Phases;
        var times = _tio?.PhaseTimes;
        var connected = _platform.DeviceLink.IsConnected || _platform.ConnectTime > SimTime.Zero;
        r.Add("trust.spdm_s", connected ? psp.SpdmSession.TotalSeconds : 0, "s", "SPDM session set-up by the PSP through the host's DOE relay (GET_VERSION → FINISH), simulated");
        r.Add("trust.key_program_s", connected ? psp.KeyProgramming.TotalSeconds : 0, "s", "IDE_KM key programming at device and root port, simulated");
        r.Add("trust.connect_s", _platform.ConnectTime.TotalSeconds, "s", "The host's whole connect (DEV_CREATE, DEV_CONNECT, DEV_MEASUREMENTS, streams enabled), simulated");
        r.Add("trust.lock_s", Accepted ? _guestPhases.Lock.TotalSeconds : 0, "s", "Guest tsm/lock: TIO_OP BIND (host TDI_CREATE, TDI_BIND: TDISP LOCK and report), simulated");
        r.Add("trust.report_s", Accepted ? _guestPhases.Report.TotalSeconds : 0, "s", "Guest report fetch and check: TIO_MSG_TDI_INFO, blobs, parsing, SHA-384 digests, simulated");
        r.Add("trust.accept_s", Accepted ? _guestPhases.Accept.TotalSeconds : 0, "s", "Guest tsm/accept: policy, TIO_OP RUN (TDISP START), SDTE_WRITE, MMIO_VALIDATE, simulated");
        r.Add("trust.unlock_s", Accepted ? times?.Unlock.TotalSeconds ?? 0 : 0, "s", "Guest tsm/unlock: STOP, sDTE cleared, MMIO invalidated, UNBIND, simulated");
        r.Add("trust.tdisp_lock_s", Accepted ? psp.LockInterface.TotalSeconds : 0, "s", "TDISP LOCK_INTERFACE as the PSP measured it (inside trust.lock_s)");
        r.Add("trust.tdisp_start_s", Accepted ? psp.StartInterface.TotalSeconds : 0, "s", "TDISP START_INTERFACE as the PSP measured it (inside trust.accept_s)");
        r.Add("trust.driver_bind_s", BindTime.TotalSeconds, "s", "Driver probe: BAR mapping, coherent ring and completion buffers, engine set-up, simulated");
    }

    /// <summary>
    /// Gives the device random data to send back: the guest fills a buffer of the device memory's size with seeded
    /// random bytes and has the device read it (a DMA read job through the same path as the workload).
    /// </summary>
    private void Prime(long deviceMemory, bool shared)
    {
        _pattern = new byte[deviceMemory];
        new Random(unchecked((int)_workload.Seed) ^ 0x5EED).NextBytes(_pattern);
        var transfer = (int)Math.Min(deviceMemory, 64 * 1024);
        Require(Driver.Prepare(new ModelDmaWorkload
        {
            DeviceWrites = false,
            TransferSize = transfer,
            TotalBytes = deviceMemory,
            WindowBytes = (ulong)deviceMemory,
            JobBytes = deviceMemory,
            SharedWindow = shared,
        }), "device priming set-up");
        Require(Driver.WriteWindow(0, _pattern), "device priming buffer");
        Driver.Start();
        if (!Driver.RunToCompletion() || Driver.JobsFailed != 0)
        {
            throw new FlowCheckException($"priming the device failed: {Driver.JobsFailed} job(s) failed (status {Driver.FirstFailure})");
        }

        Driver.Release();
    }

    private static void Require(Errno error, string what)
    {
        if (error != Errno.None)
        {
            throw new FlowCheckException($"{what} failed: {error}");
        }
    }
}
