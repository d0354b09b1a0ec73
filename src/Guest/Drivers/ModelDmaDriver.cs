using System.Buffers.Binary;
using SevTio.Guest.Dma;
using SevTio.Guest.Pci;
using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Guest.Drivers;

/// <summary>
/// The guest's PCI driver for the model DMA device (<c>sevtio-dma</c>). Probe maps BAR 0 (<c>ioremap</c>: encrypted,
/// so T=1, when the device was accepted), checks the engine's id, allocates the descriptor ring and the completion
/// records as coherent DMA buffers and enables the engine. A workload is split into bulk jobs (one descriptor
/// describes many transfers), written into the ring and started with a doorbell (an MMIO write of RING_TAIL); each
/// job's MSI-X makes the driver read RING_HEAD and the completion records, check their status, and refill the ring.
/// </summary>
/// <remarks>
/// <para>Memory goes through the DMA API (<see cref="ModelDmaPath"/>): for an accepted device the private window is
/// mapped once and the device writes straight into it; otherwise every job's chunk (at most one SWIOTLB mapping,
/// 256 KiB) is mapped at submit and unmapped at completion, so the CPU copies each byte through a shared slot; or the
/// window is a coherent buffer the DMA API converted to shared.</para>
/// <para>The interrupt handler does not nest (an interrupt arriving while it runs — the bounce copies let simulated
/// time pass — is handled when it returns), and it never allocates.</para>
/// </remarks>
public sealed class ModelDmaDriver : IGuestPciDriver, ISimEventHandler
{
    public const string DriverName = "sevtio-dma";
    public const int RingEntries = 64;

    /// <summary>The STATUS the driver leaves in a completion slot before submitting (the device overwrites it).</summary>
    public const uint NotWritten = uint.MaxValue;

    private const int CheckChunk = 64 * 1024;

    private readonly GuestKernel _kernel;
    private readonly Scheduler _scheduler;
    private readonly DmaMapping[] _slotMappings = new DmaMapping[RingEntries];
    private readonly ulong[] _slotFirstTransfer = new ulong[RingEntries];
    private readonly long[] _slotCount = new long[RingEntries];
    private readonly Queue<(long First, long Count)> _retry = new();
    private GuestPciDevice? _device;
    private MmioMapping _registers;
    private CoherentBuffer _ring;
    private CoherentBuffer _completions;
    private long _deviceMemoryBytes;

    private ModelDmaWorkload? _workload;
    private ulong _windowGpa;
    private long _windowPages;
    private DmaMapping _windowMapping;
    private CoherentBuffer _sharedWindow;
    private long _slots;
    private long _transfersPerJob;
    private long _nextTransfer;
    private long _jobsSubmitted;
    private int _tail;
    private int _head;
    private bool _inHandler;
    private bool _pending;
    private bool _suspended;
    private long _progress;
    private long _watchdogProgress;
    private long _watchdogGeneration;
    private bool _watchdogArmed;

    public ModelDmaDriver(GuestKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        _kernel = kernel;
        _scheduler = kernel.Vcpu.Scheduler;
    }

    public string Name => DriverName;

    /// <summary>The device the driver is bound to, or null.</summary>
    public GuestPciDevice? Device => _device;

    /// <summary>Bytes of the device's own memory (DEVMEM_SIZE), read at probe.</summary>
    public long DeviceMemoryBytes => _deviceMemoryBytes;

    /// <summary>Whether the register BAR is mapped encrypted (T=1 MMIO).</summary>
    public bool RegistersEncrypted => _registers.Encrypted;

    public ModelDmaPath Path { get; private set; }

    public long TotalJobs { get; private set; }

    public long JobsCompleted { get; private set; }

    public long JobsFailed { get; private set; }

    /// <summary>Completion records not as the driver expects them (wrong cookie or transfer count).</summary>
    public long RecordMismatches { get; private set; }

    /// <summary>The first failed job's status code (the device's DmaStatus), or 0.</summary>
    public uint FirstFailure { get; private set; }

    public long InterruptsHandled { get; private set; }

    /// <summary>
    /// How long the driver waits for any job to complete before it declares the device stuck (zero: never; the
    /// watchdog costs an event per period, so runs without faults leave it off). With a watchdog, a job that fails
    /// or times out is kept for resubmission and <see cref="RecoveryNeeded"/> is raised instead of counting it failed.
    /// </summary>
    public SimTime Watchdog { get; set; }

    /// <summary>A job failed or the device stopped answering: the caller must re-establish the device and <see cref="Resume"/>.</summary>
    public bool RecoveryNeeded { get; private set; }

    /// <summary>Watchdog expiries (the device went quiet with jobs outstanding).</summary>
    public long Timeouts { get; private set; }

    /// <summary>Jobs whose completion record came back with an error status while recovery was on.</summary>
    public long ErrorCompletions { get; private set; }

    /// <summary>Jobs submitted again after a recovery.</summary>
    public long JobsResubmitted { get; private set; }

    /// <summary>Times the driver resumed after a recovery.</summary>
    public long Resumes { get; private set; }

    /// <summary>Transfers of the jobs that completed successfully (end-to-end accounting).</summary>
    public long TransfersCompleted { get; private set; }

    /// <summary>Transfers of the current workload.</summary>
    public long TotalTransfers => _workload?.TotalTransfers ?? 0;

    public bool Done => TotalJobs > 0 && JobsCompleted + JobsFailed == TotalJobs;

    /// <summary>When the first doorbell was rung.</summary>
    public SimTime StartedAt { get; private set; }

    /// <summary>When the driver saw the last job complete.</summary>
    public SimTime FinishedAt { get; private set; }

    /// <summary>The guest-physical address of the workload's window (its CPU address).</summary>
    public ulong WindowGpa => _windowGpa;

    public bool Matches(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.VendorId == ModelDmaRegisters.VendorId && device.DeviceId == ModelDmaRegisters.DeviceId;
    }

    public Errno Probe(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_device is not null)
        {
            return Errno.EBUSY;
        }

        device.EnableMemory();
        device.SetBusMaster(true);
        var error = device.IoRemap(ModelDmaRegisters.Bar, 0, ModelDmaRegisters.BarBytes, out _registers);
        if (error != Errno.None)
        {
            return error;
        }

        if (_registers.Read32(ModelDmaRegisters.Id) != ModelDmaRegisters.IdValue)
        {
            return Errno.ENODEV; // refused MMIO reads as all ones: not our engine, or not reachable with this mapping
        }

        _deviceMemoryBytes = _registers.Read32(ModelDmaRegisters.DeviceMemorySize);
        if ((error = _kernel.Dma.AllocCoherent(device, RingEntries * ModelDmaDescriptor.Bytes, out _ring)) != Errno.None)
        {
            return error;
        }

        if ((error = _kernel.Dma.AllocCoherent(device, RingEntries * 16, out _completions)) != Errno.None)
        {
            _kernel.Dma.FreeCoherent(_ring);
            return error;
        }

        _registers.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlReset);
        _registers.Write32(ModelDmaRegisters.RingSize, RingEntries);
        _registers.Write32(ModelDmaRegisters.RingBaseLow, (uint)_ring.DmaAddress);
        _registers.Write32(ModelDmaRegisters.RingBaseHigh, (uint)(_ring.DmaAddress >> 32));
        _registers.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlEnable);
        _head = 0;
        _tail = 0;
        _device = device;
        return Errno.None;
    }

    public void Remove(GuestPciDevice device)
    {
        if (_device is null || !ReferenceEquals(device, _device))
        {
            return;
        }

        _registers.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlReset);
        if (_suspended)
        {
            ReleaseMappings(); // the window and the jobs left survive the rebind (Resume)
        }
        else
        {
            Release();
        }

        _kernel.Dma.FreeCoherent(_completions);
        _kernel.Dma.FreeCoherent(_ring);
        _device = null;
    }

    /// <summary>
    /// Allocates and maps the workload's window and plans its jobs. EINVAL for a workload the path cannot carry (a
    /// bounced transfer larger than one SWIOTLB mapping), ENOMEM without guest memory, ENODEV when not bound.
    /// </summary>
    public Errno Prepare(ModelDmaWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (_device is not { } device)
        {
            return Errno.ENODEV;
        }

        Release();
        TotalJobs = 0;
        if (workload.TransferSize <= 0 || (ulong)workload.TransferSize > workload.WindowBytes || workload.TotalBytes <= 0 || workload.JobBytes <= 0)
        {
            return Errno.EINVAL;
        }

        var windowBytes = (workload.WindowBytes + PhysicalMemory.PageSize - 1) & ~(ulong)(PhysicalMemory.PageSize - 1);
        var direction = workload.DeviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice;
        _slots = (long)(workload.WindowBytes / (ulong)workload.TransferSize);
        _transfersPerJob = Math.Clamp(workload.JobBytes / workload.TransferSize, 1, uint.MaxValue);
        Errno error;
        if (workload.SharedWindow)
        {
            Path = ModelDmaPath.SharedCoherent;
            if ((error = _kernel.Dma.AllocCoherent(device, (long)windowBytes, out _sharedWindow)) != Errno.None)
            {
                return error;
            }

            _windowGpa = _sharedWindow.CpuAddress;
        }
        else
        {
            _windowPages = (long)(windowBytes >> PhysicalMemory.PageShift);
            if (!_kernel.Ram.TryAllocate(_windowPages, out _windowGpa))
            {
                _windowPages = 0;
                return Errno.ENOMEM;
            }

            if (!DmaApi.ForceBounce(device))
            {
                Path = ModelDmaPath.Direct;
                if (windowBytes > int.MaxValue || (error = _kernel.Dma.MapSingle(device, _windowGpa, (int)windowBytes, direction, out _windowMapping)) != Errno.None)
                {
                    Release();
                    return Errno.EINVAL;
                }
            }
            else
            {
                Path = ModelDmaPath.Bounce;
                if (workload.TransferSize > DmaApi.MaxMappingSize(device))
                {
                    Release();
                    return Errno.EINVAL;
                }

                _transfersPerJob = Math.Max(1, Math.Min(Math.Min(_transfersPerJob, _slots), DmaApi.MaxMappingSize(device) / workload.TransferSize));
            }
        }

        _workload = workload;
        var total = workload.TotalTransfers;
        TotalJobs = Path == ModelDmaPath.Bounce ? CountBounceJobs(total) : (total + _transfersPerJob - 1) / _transfersPerJob;
        JobsCompleted = 0;
        JobsFailed = 0;
        RecordMismatches = 0;
        FirstFailure = 0;
        TransfersCompleted = 0;
        _nextTransfer = 0;
        _jobsSubmitted = 0;
        _retry.Clear();
        RecoveryNeeded = false;
        return Errno.None;
    }

    /// <summary>The CPU writes <paramref name="data"/> into the window at <paramref name="offset"/> (the source of a device read).</summary>
    public Errno WriteWindow(ulong offset, ReadOnlySpan<byte> data) =>
        _workload is not null && offset + (ulong)data.Length <= _workload.WindowBytes && _kernel.Vcpu.Memory.Write(_windowGpa + offset, data, Path != ModelDmaPath.SharedCoherent).Succeeded
            ? Errno.None
            : Errno.EFAULT;

    /// <summary>Fills the ring and rings the doorbell.</summary>
    public void Start()
    {
        if (_workload is null)
        {
            throw new InvalidOperationException("Prepare a workload first");
        }

        StartedAt = _scheduler.Now;
        Refill();
        ArmWatchdog();
    }

    /// <summary>
    /// After a failure (<see cref="RecoveryNeeded"/>): every job not seen complete is kept for resubmission, the engine
    /// is reset and the window's DMA mappings are removed; the window and the job plan stay across an unbind/bind.
    /// </summary>
    public void Suspend()
    {
        if (_workload is null)
        {
            return;
        }

        while (_head != _tail)
        {
            _retry.Enqueue(((long)_slotFirstTransfer[_head], _slotCount[_head]));
            _head = (_head + 1) % RingEntries;
        }

        if (_device is not null)
        {
            _registers.Write32(ModelDmaRegisters.Control, ModelDmaRegisters.ControlReset);
        }

        _watchdogGeneration++;
        _watchdogArmed = false;
        _suspended = true;
        ReleaseMappings();
    }

    /// <summary>After the device was re-established and the driver bound again: maps the window again and resubmits the kept jobs first.</summary>
    public Errno Resume()
    {
        if (!_suspended || _workload is null)
        {
            return Errno.EINVAL;
        }

        if (_device is not { } device)
        {
            return Errno.ENODEV;
        }

        if (Path == ModelDmaPath.Direct)
        {
            var windowBytes = (long)_windowPages << PhysicalMemory.PageShift;
            var direction = _workload.DeviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice;
            var error = _kernel.Dma.MapSingle(device, _windowGpa, (int)windowBytes, direction, out _windowMapping);
            if (error != Errno.None)
            {
                return error;
            }
        }

        _suspended = false;
        RecoveryNeeded = false;
        Resumes++;
        Refill();
        ArmWatchdog();
        return Errno.None;
    }

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        if (arg0 != _watchdogGeneration || !_watchdogArmed)
        {
            return;
        }

        _watchdogArmed = false;
        if (Done || RecoveryNeeded || _workload is null)
        {
            return;
        }

        if (_progress == _watchdogProgress && _head != _tail)
        {
            Timeouts++;
            RecoveryNeeded = true;
            return;
        }

        ArmWatchdog();
    }

    private void ArmWatchdog()
    {
        if (Watchdog <= SimTime.Zero || _watchdogArmed || Done)
        {
            return;
        }

        _watchdogArmed = true;
        _watchdogProgress = _progress;
        _scheduler.ScheduleAfter(Watchdog, this, EventPriority.Software, _watchdogGeneration);
    }

    /// <summary>Waits (the guest idles while simulated time passes) until every job completed; false if the platform went quiet first.</summary>
    public bool RunToCompletion() => _scheduler.RunWhile(() => !Done) || Done;

    /// <summary>The device's MSI-X (vector 0) as the guest's interrupt: reap finished jobs, refill the ring.</summary>
    public void OnInterrupt()
    {
        if (_inHandler)
        {
            _pending = true;
            return;
        }

        _inHandler = true;
        try
        {
            do
            {
                _pending = false;
                InterruptsHandled++;
                Reap();
            }
            while (_pending);
        }
        finally
        {
            _inHandler = false;
        }
    }

    /// <summary>
    /// Compares the window with what a device-write workload must have left there when the device's memory held
    /// <paramref name="deviceMemory"/> (transfer t uses device memory at t × SIZE and lands at window slot t, so byte w
    /// of the window holds device byte w mod the device memory size): returns the mismatching bytes; checked = bytes
    /// compared. Valid for sequential workloads whose window is a multiple of the device memory, or not wrapped.
    /// </summary>
    public long CheckWindow(ReadOnlySpan<byte> deviceMemory, out long checkedBytes)
    {
        checkedBytes = 0;
        if (_workload is null || deviceMemory.IsEmpty)
        {
            return 0;
        }

        var length = (long)Math.Min((ulong)_slots * (ulong)_workload.TransferSize, (ulong)(_workload.TotalTransfers * _workload.TransferSize));
        var chunk = new byte[CheckChunk];
        long mismatches = 0;
        for (long done = 0; done < length; done += CheckChunk)
        {
            var span = chunk.AsSpan(0, (int)Math.Min(CheckChunk, length - done));
            if (!_kernel.Vcpu.Memory.Read(_windowGpa + (ulong)done, span, Path != ModelDmaPath.SharedCoherent).Succeeded)
            {
                return length - done + mismatches;
            }

            for (var i = 0; i < span.Length;)
            {
                var at = (int)((done + i) % deviceMemory.Length);
                var n = Math.Min(span.Length - i, deviceMemory.Length - at);
                if (!span.Slice(i, n).SequenceEqual(deviceMemory.Slice(at, n)))
                {
                    for (var k = 0; k < n; k++)
                    {
                        mismatches += span[i + k] != deviceMemory[at + k] ? 1 : 0;
                    }
                }

                i += n;
            }

            _scheduler.Advance(_kernel.Timing.CopyCost(span.Length));
        }

        checkedBytes = length;
        return mismatches;
    }

    /// <summary>Unmaps and frees the workload's window.</summary>
    public void Release()
    {
        ReleaseMappings();
        _suspended = false;
        _watchdogGeneration++;
        _watchdogArmed = false;
        if (_sharedWindow.Pages != 0)
        {
            _kernel.Dma.FreeCoherent(_sharedWindow);
            _sharedWindow = default;
        }

        if (_windowPages != 0)
        {
            _kernel.Ram.Free(_windowGpa, _windowPages);
            _windowPages = 0;
        }

        _workload = null;
        Path = ModelDmaPath.None;
    }

    private void ReleaseMappings()
    {
        if (_device is { } device)
        {
            for (var i = 0; i < RingEntries; i++)
            {
                if (_slotMappings[i].Length != 0)
                {
                    _kernel.Dma.UnmapSingle(device, _slotMappings[i], DmaAttributes.SkipCpuSync);
                    _slotMappings[i] = default;
                }
            }

            if (_windowMapping.Length != 0)
            {
                _kernel.Dma.UnmapSingle(device, _windowMapping);
                _windowMapping = default;
            }
        }
    }

    private long CountBounceJobs(long total)
    {
        long jobs = 0;
        for (long t = 0; t < total; jobs++)
        {
            t += BounceJobTransfers(t, total);
        }

        return jobs;
    }

    /// <summary>A bounced job covers a contiguous chunk of the window: it stops at the window's last slot.</summary>
    private long BounceJobTransfers(long first, long total) =>
        Math.Min(Math.Min(_transfersPerJob, total - first), _workload!.Random ? _transfersPerJob : _slots - (first % _slots));

    private void Reap()
    {
        var head = (int)_registers.Read32(ModelDmaRegisters.RingHead);
        Span<byte> record = stackalloc byte[16];
        while (_head != head && _workload is not null)
        {
            var slot = _head;
            _kernel.Dma.Read(_completions, slot * 16, record);
            var status = BinaryPrimitives.ReadUInt32LittleEndian(record);
            if (status == NotWritten)
            {
                // The engine could not write the record (its request was refused): ERROR holds the job's status.
                status = _registers.Read32(ModelDmaRegisters.Error);
                status = status == 0 ? 2u : status;
            }
            else if (BinaryPrimitives.ReadUInt64LittleEndian(record[8..]) != _slotFirstTransfer[slot])
            {
                RecordMismatches++;
            }

            if (_slotMappings[slot].Length != 0 && _device is { } device)
            {
                // FROM_DEVICE bounce: the CPU copies the slot back into the private buffer.
                _kernel.Dma.UnmapSingle(device, _slotMappings[slot]);
                _slotMappings[slot] = default;
            }

            _progress++;
            if (status == 0)
            {
                JobsCompleted++;
                TransfersCompleted += _slotCount[slot];
            }
            else if (Watchdog > SimTime.Zero)
            {
                // Recovery is on: the job is kept and submitted again once the device is re-established.
                ErrorCompletions++;
                _retry.Enqueue(((long)_slotFirstTransfer[slot], _slotCount[slot]));
                RecoveryNeeded = true;
            }
            else
            {
                if (JobsFailed == 0)
                {
                    FirstFailure = status;
                }

                JobsFailed++;
            }

            _head = (_head + 1) % RingEntries;
        }

        if (Done)
        {
            FinishedAt = _scheduler.Now;
            return;
        }

        if (!RecoveryNeeded)
        {
            Refill();
        }
    }

    private void Refill()
    {
        var workload = _workload!;
        var device = _device!;
        var total = workload.TotalTransfers;
        var size = (ulong)workload.TransferSize;
        var flags = (byte)(ModelDmaDescriptor.FlagInterrupt | (workload.Random ? ModelDmaDescriptor.FlagRandom : 0));
        var opcode = workload.DeviceWrites ? ModelDmaDescriptor.OpcodeWrite : ModelDmaDescriptor.OpcodeRead;
        Span<byte> bytes = stackalloc byte[ModelDmaDescriptor.Bytes];
        Span<byte> cleared = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(cleared, NotWritten);
        var submitted = false;
        while ((_retry.Count > 0 || _jobsSubmitted < TotalJobs) && ((_tail + 1) % RingEntries) != _head)
        {
            var retry = _retry.Count > 0;
            var first = retry ? _retry.Peek().First : _nextTransfer;
            long count;
            ulong windowBase;
            ulong windowSize;
            ulong startIndex;
            if (Path == ModelDmaPath.Bounce)
            {
                count = retry ? _retry.Peek().Count : BounceJobTransfers(first, total);
                var offset = workload.Random ? 0 : (ulong)(first % _slots) * size;
                var length = (int)((ulong)count * size);
                if (workload.Random)
                {
                    // Random placement stays inside the job's bounced chunk: map a chunk of the window for it.
                    var chunks = Math.Max(1, (long)(workload.WindowBytes / (ulong)length));
                    offset = (ulong)(_jobsSubmitted % chunks) * (ulong)length;
                }

                var direction = workload.DeviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice;
                if (_kernel.Dma.MapSingle(device, _windowGpa + offset, length, direction, out var mapping) != Errno.None)
                {
                    break; // the pool is full: submit the rest when jobs complete and free their slots
                }

                _slotMappings[_tail] = mapping;
                windowBase = mapping.DmaAddress;
                windowSize = (ulong)length;
                startIndex = workload.Random ? (ulong)first : 0;
            }
            else
            {
                count = retry ? _retry.Peek().Count : Math.Min(_transfersPerJob, total - first);
                windowBase = Path == ModelDmaPath.Direct ? _windowMapping.DmaAddress : _sharedWindow.DmaAddress;
                windowSize = workload.WindowBytes;
                startIndex = (ulong)first;
            }

            var descriptor = new ModelDmaDescriptor(
                opcode,
                flags,
                (uint)count,
                (uint)size,
                workload.Seed,
                windowBase,
                windowSize,
                _deviceMemoryBytes > 0 ? (ulong)first * size % (ulong)_deviceMemoryBytes : 0,
                _completions.DmaAddress + ((ulong)_tail * 16),
                (ulong)first,
                startIndex);
            _slotFirstTransfer[_tail] = (ulong)first;
            _slotCount[_tail] = count;
            _kernel.Dma.Write(_completions, _tail * 16, cleared);
            descriptor.Write(bytes);
            _kernel.Dma.Write(_ring, _tail * ModelDmaDescriptor.Bytes, bytes);
            _tail = (_tail + 1) % RingEntries;
            if (retry)
            {
                _retry.Dequeue();
                JobsResubmitted++;
            }
            else
            {
                _nextTransfer += count;
                _jobsSubmitted++;
            }

            submitted = true;
        }

        if (submitted)
        {
            _registers.Write32(ModelDmaRegisters.RingTail, (uint)_tail);
        }
    }
}
