using SevTio.Firmware.Psp.Mailbox;
using SevTio.Host.Memory;
using SevTio.Host.Pci;
using SevTio.Host.Psp;
using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Cpu;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Psp;

namespace SevTio.Host;

/// <summary>
/// The untrusted hypervisor (KVM plus the VMM, as one): it launches SNP guests, owns the configuration path and the
/// PCI TSM host side of TEE-IO devices, relays the PSP's SPDM traffic over DOE, and serves the guest's TIO exits
/// (SEV_TIO_GUEST_REQUEST, SEV_TIO_OP) and page-state changes. It reaches the firmware only through the PSP mailbox
/// and never holds a key: what it sees is ciphertext, headers, status codes and the blobs it relays.
/// </summary>
public sealed class Hypervisor : IVmgExitHandler, ISimEventHandler
{
    private readonly List<TioDeviceLink> _devices = [];
    private readonly Dictionary<int, SnpGuest> _guests = [];
    private readonly HashSet<TioDeviceLink> _refreshQueued = [];
    private readonly TioExitHandler _exits;
    private int _doeExchanges;
    private int _psc;

    public Hypervisor(HypervisorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Timing = options.Timing.Validate();
        Scheduler = options.Scheduler;
        Rmp = options.Rmp;
        Memory = new HostMemoryView(options.MemoryController, options.Rmp);
        Pages = new HostPageAllocator(options.HostMemoryBase, options.HostMemoryBytes);
        Pci = new PciConfigAccessor(options.Scheduler, Timing.ConfigAccess);
        Psp = new SevPspDriver(options.PspMailbox, Memory, Pages, options.Scheduler, Timing);
        _exits = new TioExitHandler(this);
        options.PspMailbox.Notification += OnPspNotification;
    }

    public HypervisorOptions Options { get; }

    public HostTiming Timing { get; }

    public Scheduler Scheduler { get; }

    public RmpTable Rmp { get; }

    /// <summary>Memory as the host CPU sees it: raw reads, RMP-checked writes.</summary>
    public HostMemoryView Memory { get; }

    public HostPageAllocator Pages { get; }

    /// <summary>The configuration access path: register every function the host may reach here.</summary>
    public PciConfigAccessor Pci { get; }

    public SevPspDriver Psp { get; }

    /// <summary>The TIO status the PSP reported at <see cref="InitializeTio"/>.</summary>
    public TioStatus TioStatus { get; private set; }

    public IReadOnlyList<TioDeviceLink> Devices => _devices;

    public IReadOnlyDictionary<int, SnpGuest> Guests => _guests;

    /// <summary>Key refreshes the host ran because the PSP asked (IDE counter limit).</summary>
    public long KeyRefreshes { get; private set; }

    public long GuestExits => _exits.Exits;

    /// <summary>
    /// Platform bring-up of SEV-TIO (sev-dev-tio.c): TIO_STATUS, and TIO_INIT if not yet done, then TIO_STATUS again
    /// for the buffer and context sizes.
    /// </summary>
    public PspReturnCode InitializeTio()
    {
        var page = Psp.DonateFirmwarePage();
        try
        {
            var status = Psp.Execute(new TioStatusCommand(page));
            if (status != PspReturnCode.Success)
            {
                return status;
            }

            TioStatus = TioStatus.Decode(Psp.ReadRaw(page, TioStatus.Size));
            if (!TioStatus.TioEnabled)
            {
                return PspReturnCode.InvalidPlatformState;
            }

            if (!TioStatus.TioInitDone)
            {
                status = Psp.Execute(default(TioInitCommand));
                if (status != PspReturnCode.Success)
                {
                    return status;
                }

                status = Psp.Execute(new TioStatusCommand(page));
                if (status != PspReturnCode.Success)
                {
                    return status;
                }

                TioStatus = TioStatus.Decode(Psp.ReadRaw(page, TioStatus.Size));
            }

            return PspReturnCode.Success;
        }
        finally
        {
            Psp.ReclaimFirmwarePage(page);
        }
    }

    /// <summary>
    /// Launches an SNP guest: a guest context (SNP_GCTX_CREATE), an ASID and memory key (SNP_ACTIVATE), private RAM
    /// assigned in the RMP and mapped from GPA 0, the secrets page filled by the PSP (SNP_LAUNCH_UPDATE), and a shared
    /// window after RAM holding the GHCB, the SWIOTLB pool and I/O buffer pages; then a vCPU wired to this hypervisor
    /// and the guest's mapping registered with the IOMMU for trusted DMA.
    /// </summary>
    public SnpGuest LaunchGuest(SnpGuestConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        const ulong twoMiB = 2UL << 20;
        if (configuration.MemoryBytes == 0 || configuration.MemoryBytes % twoMiB != 0)
        {
            throw new ParameterException("guest.memory", configuration.MemoryBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a positive multiple of 2 MiB");
        }

        if (configuration.RamBase % twoMiB != 0)
        {
            throw new ParameterException("guest.ram_base", configuration.RamBase.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a multiple of 2 MiB");
        }

        var asid = configuration.Asid ?? Enumerable.Range(1, RmpEntry.MaxAsid).First(a => !_guests.ContainsKey(a));
        var gctx = Psp.DonateFirmwarePage();
        var status = Psp.Execute(SnpCommandId.SnpGctxCreate, Encode(new SnpAddressCommand(gctx)));
        Require(status, "SNP_GCTX_CREATE");
        var activate = new byte[SnpActivateCommand.Size];
        new SnpActivateCommand(gctx, (uint)asid).Encode(activate);
        Require(Psp.Execute(SnpCommandId.SnpActivate, activate), "SNP_ACTIVATE");

        var map = new GuestPhysicalMap(asid);
        var ramBase = configuration.RamBase;
        var ramEnd = ramBase + configuration.MemoryBytes;
        var secretsGpa = configuration.SecretsGpa ?? (ramEnd - 4096);
        for (ulong gpa = ramBase; gpa < ramEnd; gpa += 4096)
        {
            var spa = Pages.Allocate();
            Scheduler.Advance(Timing.RmpUpdate);
            if (Rmp.RmpUpdate(spa, RmpUpdateState.Guest(asid, gpa)) != RmpStatus.Success)
            {
                throw new InvalidOperationException($"RMPUPDATE of guest page 0x{spa:X} failed");
            }

            map.Map(gpa, spa);
            if (gpa == secretsGpa)
            {
                Require(LaunchUpdate(gctx, SnpPageType.Secrets, spa), "SNP_LAUNCH_UPDATE (secrets)");
            }
            else if (configuration.PrevalidateMemory)
            {
                Require(LaunchUpdate(gctx, SnpPageType.Zero, spa), "SNP_LAUNCH_UPDATE (zero)");
            }
        }

        // The shared window: GHCB, SWIOTLB pool, I/O buffer pages, hypervisor-owned and mapped after RAM.
        var swiotlb = configuration.SwiotlbBytes != 0 ? configuration.SwiotlbBytes : SnpGuestConfiguration.DefaultSwiotlbBytes(configuration.MemoryBytes);
        swiotlb = (swiotlb + twoMiB - 1) & ~(twoMiB - 1);
        var ghcbGpa = ramEnd;
        var swiotlbGpa = ramEnd + twoMiB;
        var sharedGpa = swiotlbGpa + swiotlb;
        var sharedBytes = (configuration.SharedBufferBytes + 4095) & ~4095UL;
        MapShared(map, ghcbGpa, 4096);
        MapShared(map, swiotlbGpa, swiotlb);
        MapShared(map, sharedGpa, sharedBytes);

        var memory = new GuestMemoryView(Options.MemoryController, Rmp, map);
        var vcpu = new GuestVcpu(asid, memory, Scheduler)
        {
            Hypervisor = this,
            GhcbGpa = ghcbGpa,
            HypervisorFeatures = (ulong)(GhcbHypervisorFeatures.Snp | GhcbHypervisorFeatures.SnpSevTio),
        };
        Options.Iommu.AttachGuest(map);
        var guest = new SnpGuest(asid, gctx, map, memory, vcpu, configuration)
        {
            SecretsGpa = secretsGpa,
            GhcbGpa = ghcbGpa,
            SwiotlbGpa = swiotlbGpa,
            SwiotlbBytes = swiotlb,
            SharedBufferGpa = sharedGpa,
            SharedBufferBytes = sharedBytes,
        };
        _guests.Add(asid, guest);
        return guest;
    }

    /// <summary>Registers a TEE-IO device the host will connect (its config spaces must be registered with <see cref="Pci"/>).</summary>
    public TioDeviceLink AddDevice(TioDeviceConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var link = new TioDeviceLink(this, configuration);
        _devices.Add(link);
        return link;
    }

    /// <summary>Assigns the TDI at <paramref name="requesterId"/> of a device to a guest, which will know it as <paramref name="guestRid"/>.</summary>
    public TioTdiLink AssignTdi(TioDeviceLink device, ushort requesterId, SnpGuest guest, ushort guestRid)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(guest);
        return device.Assign(requesterId, guest, guestRid);
    }

    /// <summary>The guest exited with VMGEXIT: read its GHCB, serve the exit, write the GHCB back.</summary>
    public void HandleVmgExit(GuestVcpu vcpu)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        var span = Hw.Telemetry.SimSpan.Start(HostTelemetry.Source, HostTelemetry.VmgExitSpan, Scheduler.Now);
        try
        {
            Scheduler.Advance(Timing.ExitHandling);
            if (!_guests.TryGetValue(vcpu.Asid, out var guest))
            {
                return;
            }

            _exits.Handle(guest, vcpu, span);
        }
        finally
        {
            Hw.Telemetry.SimSpan.End(span, Scheduler.Now);
        }
    }

    /// <summary>Reads guest memory as the host sees it (raw bytes; ciphertext of private pages) at guest-physical addresses.</summary>
    public byte[] ReadGuest(SnpGuest guest, ulong gpa, int length)
    {
        ArgumentNullException.ThrowIfNull(guest);
        var bytes = new byte[length];
        for (var done = 0; done < length;)
        {
            var chunk = Math.Min(length - done, 4096 - (int)((gpa + (ulong)done) & 4095));
            if (guest.Map.TryTranslate(gpa + (ulong)done, out var spa, out _))
            {
                Memory.Read(spa, bytes.AsSpan(done, chunk));
            }

            done += chunk;
        }

        return bytes;
    }

    /// <summary>Writes guest memory through the host (only shared, hypervisor-owned pages accept it); false on a fault or an unmapped GPA.</summary>
    public bool WriteGuest(SnpGuest guest, ulong gpa, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(guest);
        for (var done = 0; done < data.Length;)
        {
            var chunk = Math.Min(data.Length - done, 4096 - (int)((gpa + (ulong)done) & 4095));
            if (!guest.Map.TryTranslate(gpa + (ulong)done, out var spa, out _) || !Memory.Write(spa, data.Slice(done, chunk)).Succeeded)
            {
                return false;
            }

            done += chunk;
        }

        return true;
    }

    internal int NextDoeExchange() => _doeExchanges++;

    internal int NextPageStateChange() => _psc++;

    void ISimEventHandler.OnEvent(Scheduler scheduler, long arg0, long arg1)
    {
        var link = _devices[(int)arg0];
        if (Psp.IsBusy)
        {
            // A refresh cannot enter the mailbox while another command is inside it: try again shortly.
            Scheduler.ScheduleAfter(SimTime.FromMicroseconds(10), this, EventPriority.Software, arg0);
            return;
        }

        _refreshQueued.Remove(link);
        if (link.IsConnected && link.RollKey() == PspReturnCode.Success)
        {
            KeyRefreshes++;
        }
    }

    private void OnPspNotification(PspNotification notification)
    {
        if (notification.Kind != PspNotificationKind.IdeKeyRefreshRequired)
        {
            return;
        }

        for (var i = 0; i < _devices.Count; i++)
        {
            var link = _devices[i];
            if (link.DeviceId == notification.DeviceId && link.Configuration.Segment == notification.Segment && _refreshQueued.Add(link))
            {
                Scheduler.ScheduleAfter(SimTime.Zero, this, EventPriority.Software, i);
            }
        }
    }

    private void MapShared(GuestPhysicalMap map, ulong gpa, ulong bytes)
    {
        for (ulong offset = 0; offset < bytes; offset += 4096)
        {
            map.Map(gpa + offset, Pages.Allocate());
        }
    }

    private PspReturnCode LaunchUpdate(ulong gctx, SnpPageType type, ulong spa)
    {
        var buffer = new byte[SnpLaunchUpdateCommand.Size];
        new SnpLaunchUpdateCommand(gctx, type, spa).Encode(buffer);
        return Psp.Execute(SnpCommandId.SnpLaunchUpdate, buffer);
    }

    private static byte[] Encode(SnpAddressCommand command)
    {
        var buffer = new byte[SnpAddressCommand.Size];
        command.Encode(buffer);
        return buffer;
    }

    private static void Require(PspReturnCode status, string what)
    {
        if (status != PspReturnCode.Success)
        {
            throw new InvalidOperationException($"{what} failed: {status}");
        }
    }
}
