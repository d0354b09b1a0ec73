using SevTio.Hw.Device;
using SevTio.Hw.Simulation;
using SevTio.Hw.Platform;

namespace SevTio.TestSupport.HwOnly;

/// <summary>
/// The guest's driver for the model device, reduced to what a DMA workload needs: it splits the workload into
/// descriptors (jobs of up to <see cref="DmaWorkload.JobBytes"/>), writes them into the ring in guest memory, rings the
/// doorbell (an MMIO write), and on each MSI-X reads HEAD and the completion records of finished jobs and refills the
/// ring, until every job has completed. The workload is one placement sequence across all jobs (START_INDEX), so
/// the same addresses are touched however it is split.
/// </summary>
internal sealed class DmaWorkloadDriver
{
    /// <summary>The STATUS the driver leaves in a completion slot before submitting (the device overwrites it).</summary>
    public const uint NotWritten = uint.MaxValue;

    private readonly GuestContext _guest;
    private readonly DmaWorkload _workload;
    private readonly Scheduler _scheduler;
    private long _nextTransfer;
    private long _jobsSubmitted;
    private int _tail;
    private int _head;

    public DmaWorkloadDriver(GuestContext guest, DmaWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(workload);
        _guest = guest;
        _workload = workload.Validate();
        if (workload.WindowBytes > guest.WindowBytes)
        {
            throw new ParameterException("workload.window", workload.WindowBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), $"is larger than the DMA window the platform mapped ({guest.WindowBytes} B)");
        }

        _scheduler = guest.Platform.Scheduler;
        TotalJobs = (workload.TotalTransfers + TransfersPerJob - 1) / TransfersPerJob;
        guest.Platform.Interrupts.Interrupt += OnInterrupt;
    }

    public DmaWorkload Workload => _workload;

    /// <summary>Transfers one descriptor describes.</summary>
    public long TransfersPerJob => Math.Clamp(_workload.JobBytes / _workload.TransferSize, 1, Math.Min(_workload.TotalTransfers, uint.MaxValue));

    public long TotalJobs { get; }

    public long JobsCompleted { get; private set; }

    public long JobsFailed { get; private set; }

    /// <summary>The first failed job's status, if any.</summary>
    public DmaStatus FirstFailure { get; private set; }

    public bool Done => JobsCompleted + JobsFailed == TotalJobs;

    /// <summary>When the doorbell of the first job was rung.</summary>
    public SimTime StartedAt { get; private set; }

    /// <summary>When the driver saw the last job complete.</summary>
    public SimTime FinishedAt { get; private set; }

    /// <summary>Fills the ring and rings the doorbell.</summary>
    public void Start()
    {
        StartedAt = _scheduler.Now;
        Refill();
    }

    /// <summary>Checks the ring without an interrupt (a polling driver, or a workload without interrupts).</summary>
    public void Poll() => Reap();

    private void OnInterrupt(MessageSignalledInterrupt message)
    {
        if (message.RequesterId == _guest.Platform.Device.RequesterId)
        {
            Reap();
        }
    }

    private void Reap()
    {
        var head = (int)_guest.ReadRegister(0x20);
        while (_head != head)
        {
            var record = _guest.ReadCompletion(_head);
            var status = record.Status;
            if ((uint)status == NotWritten)
            {
                // The engine could not write the record (its request was refused): ERROR holds the job's status.
                status = (DmaStatus)_guest.ReadRegister(0x10);
                status = status == DmaStatus.Success ? DmaStatus.TdiRefused : status;
            }

            if (status == DmaStatus.Success)
            {
                JobsCompleted++;
            }
            else
            {
                if (JobsFailed == 0)
                {
                    FirstFailure = status;
                }

                JobsFailed++;
            }

            _head = (_head + 1) % HwOnlyBringUp.RingEntries;
        }

        if (Done)
        {
            FinishedAt = _scheduler.Now;
            return;
        }

        Refill();
    }

    private void Refill()
    {
        var submitted = false;
        Span<byte> cleared = stackalloc byte[DmaCompletionRecord.Bytes];
        while (_jobsSubmitted < TotalJobs && ((_tail + 1) % HwOnlyBringUp.RingEntries) != _head)
        {
            var count = Math.Min(TransfersPerJob, _workload.TotalTransfers - _nextTransfer);
            var flags = (_workload.Random ? DmaDescriptorFlags.RandomPattern : 0) | (_workload.Interrupts ? DmaDescriptorFlags.Interrupt : 0) | (_workload.NonTee ? DmaDescriptorFlags.NonTee : 0);
            var descriptor = new DmaDescriptor(
                _workload.Direction,
                flags,
                0,
                (uint)count,
                (uint)_workload.TransferSize,
                _workload.Seed,
                _guest.WindowGpa,
                _workload.WindowBytes,
                (ulong)_nextTransfer * (ulong)_workload.TransferSize,
                _guest.CompletionGpa + ((ulong)_tail * DmaCompletionRecord.Bytes),
                (ulong)_jobsSubmitted,
                (ulong)_nextTransfer);
            new DmaCompletionRecord((DmaStatus)NotWritten, 0, 0).Write(cleared);
            _guest.Write(_guest.CompletionGpa + ((ulong)_tail * DmaCompletionRecord.Bytes), cleared);
            _guest.WriteDescriptor(_tail, descriptor);
            _tail = (_tail + 1) % HwOnlyBringUp.RingEntries;
            _nextTransfer += count;
            _jobsSubmitted++;
            submitted = true;
        }

        if (submitted)
        {
            _guest.WriteRegister(0x24, (uint)_tail);
        }
    }
}
