using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Iommu;

/// <summary>
/// The AMD IOMMU with SEV-SNP and SEV-TIO: the one place that decides where a device's DMA may go.
/// </summary>
/// <remarks>
/// <para><b>T=0</b> (ordinary) requests use the device table entry of the requester (in simulated memory at
/// <see cref="IommuConfiguration.DeviceTableBase"/>): V = 0 passes the address through untranslated; TV = 0 refuses;
/// Mode 0 passes through with the DTE's IR/IW; Mode 1–6 walks the AMD v1 host I/O page table with timed 8-byte reads
/// (leaves of 4 KiB, 2 MiB and 1 GiB), IR/IW ANDed over the DTE and every level. The target must be hypervisor-owned in
/// the RMP (plain SNP rule: DMA only reaches shared pages).</para>
/// <para><b>T=1</b> (TEE) requests use the requester's secure device table entry (PSP-owned, at
/// <see cref="IommuConfiguration.SecureDeviceTableBase"/>). Without a valid sDTE the request is refused. Addresses below
/// vTOM (or all, when vTOM_EN = 0 [model reading]) are private: the address is a GPA of the sDTE's ASID, translated
/// through that guest's nested mapping (<see cref="AttachGuest"/>), and the RMP must show the page assigned to that ASID,
/// at that GPA, validated, with the sDTE VMPL's permission. Addresses at or above vTOM are shared: address − vTOM is the
/// GPA, and the page must be hypervisor-owned. A private access is stored under the ASID's memory key by the memory
/// controller; the result says so.</para>
/// <para>Refusals are typed results (never exceptions) and each logs an event: IO_PAGE_FAULT, RMP_PAGE_FAULT,
/// INVALID_DEVICE_REQUEST or ILLEGAL_DEV_TABLE_ENTRY. Caches: an IOTLB (contexts: DomainID for T=0,
/// <see cref="GuestContextBase"/> + ASID for T=1; the RMP check is never cached in it), and decoded DTE/sDTE caches
/// filled by a timed memory read. The host writes DTEs into memory and must invalidate (<see cref="InvalidateDeviceTableEntry"/>,
/// <see cref="InvalidatePages"/>), as the architecture requires; the PSP's sDTE writes take effect at once.</para>
/// <para>Hot path (IOTLB hit, cached DTE/sDTE, RMP cache hit): no allocation, no telemetry call. Not thread-safe.</para>
/// </remarks>
/// <example>
/// A root port completing an upstream write TLP (one page at most):
/// <code>
/// var t = iommu.Translate(DmaRequest.Write(rid, address, payload.Length, trusted: tBit));
/// if (!t.Allowed) { /* drop the write (or UR a read); the event is already logged */ }
/// else if (t.IsPrivate &amp;&amp; ((t.HostPhysicalAddress | (ulong)payload.Length) &amp; 15) == 0)
///     FusedCrypto.DecryptToEncryptedMemory(ide, nonce, offset, payload, controller.GetKey(t.Asid),
///         t.HostPhysicalAddress, controller.GetWritableSpan(t.HostPhysicalAddress, payload.Length));
/// else
///     controller.Write(t.MemoryKeyAsid, t.HostPhysicalAddress, plaintext); // RMW of partial AES blocks
/// var time = t.Latency + controller.WriteCost(payload.Length, t.IsPrivate);
/// </code>
/// </example>
public sealed class AmdIommu
{
    /// <summary>IOTLB context of guest ASID 0; trusted translations of ASID <c>a</c> use context <c>GuestContextBase + a</c>.</summary>
    public const uint GuestContextBase = 0x1_0000;

    /// <summary>Largest ASID an sDTE can name (12 bits).</summary>
    public const int MaxSecureAsid = 4095;

    private const int PageSize = PhysicalMemory.PageSize;

    private readonly PhysicalMemory _memory;
    private readonly RmpTable _rmp;
    private readonly Iotlb _iotlb;
    private readonly IommuCounters _counters = new();
    private readonly DeviceContext[]?[] _deviceContexts = new DeviceContext[]?[256];
    private readonly SecureContext[]?[] _secureContexts = new SecureContext[]?[256];
    private readonly GuestPhysicalMap?[] _guestMaps = new GuestPhysicalMap?[MaxSecureAsid + 1];
    private readonly SimTime _hitLatency;
    private readonly SimTime _walkReadCost;
    private readonly SimTime _deviceTableReadCost;
    private readonly SimTime _secureDeviceTableReadCost;
    private readonly int _nestedWalkLevels;

    public AmdIommu(PhysicalMemory memory, MemoryTiming timing, RmpTable rmp, IommuConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(rmp);
        ArgumentNullException.ThrowIfNull(configuration);
        CheckRegion(memory, "iommu.device_table_base", configuration.DeviceTableBase, configuration.DeviceTableBytes, 4096);
        CheckRegion(memory, "iommu.secure_device_table_base", configuration.SecureDeviceTableBase, configuration.SecureDeviceTableBytes, 4096);
        if (configuration.EventLogEntries is < 256 or > 32768 || !int.IsPow2(configuration.EventLogEntries))
        {
            throw new ParameterException("iommu.event_log_entries", configuration.EventLogEntries.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a power of two from 256 to 32768");
        }

        CheckRegion(memory, "iommu.event_log_base", configuration.EventLogBase, configuration.EventLogBytes, 4096);
        if (configuration.IotlbEntries < 1)
        {
            throw new ParameterException("iommu.iotlb_entries", configuration.IotlbEntries.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 1");
        }

        if (configuration.NestedWalkLevels is < 0 or > 6)
        {
            throw new ParameterException("iommu.nested_walk_levels", configuration.NestedWalkLevels.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be from 0 to 6");
        }

        _memory = memory;
        _rmp = rmp;
        Configuration = configuration;
        _iotlb = new Iotlb(configuration.IotlbEntries);
        _hitLatency = configuration.IotlbHitLatency;
        _walkReadCost = timing.ReadCost(IoPageTableEntry.Size);
        _deviceTableReadCost = timing.ReadCost(DeviceTableEntry.Size);
        _secureDeviceTableReadCost = timing.ReadCost(SecureDeviceTableEntry.Size);
        _nestedWalkLevels = configuration.NestedWalkLevels;
        EventLog = new IommuEventLog(memory, configuration.EventLogBase, configuration.EventLogEntries, _counters);
    }

    public IommuConfiguration Configuration { get; }

    /// <summary>Plain-field counters; publish them with <see cref="IommuCounters.CreateInstruments"/>.</summary>
    public IommuCounters Counters => _counters;

    public IommuEventLog EventLog { get; }

    /// <summary>The IOTLB (for inspection; invalidate through the commands below).</summary>
    public Iotlb Iotlb => _iotlb;

    /// <summary>
    /// Translates and checks one request (at most one 4 KiB page). Refusals log an event and return
    /// <see cref="IommuTranslation.Allowed"/> = false; nothing may then be written or read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IommuTranslation Translate(in DmaRequest request)
    {
        _counters._translations++;
        if (request.Length <= 0 || request.Length > PageSize - (int)(request.Address & PhysicalMemory.PageOffsetMask))
        {
            return Refuse(in request, IommuFault.MalformedRequest, IommuEventCode.InvalidDeviceRequest, IommuEventFlags.None, 0, RmpViolation.None, _hitLatency);
        }

        return request.Trusted ? TranslateTrusted(in request) : TranslateHost(in request);
    }

    // ---- host (T=0) path -------------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private IommuTranslation TranslateHost(in DmaRequest request)
    {
        var latency = _hitLatency;
        ref readonly var device = ref DeviceContextFor(request.RequesterId, ref latency);
        var address = request.Address;
        var write = request.Access == MemoryAccess.Write;
        ulong hpa;
        var hit = false;
        if (!device.Valid)
        {
            hpa = address; // V = 0: the IOMMU passes the request through untranslated
        }
        else if (!device.TranslationValid)
        {
            return Refuse(in request, IommuFault.TranslationNotValid, IommuEventCode.IoPageFault, IommuEventFlags.None, device.DomainId, RmpViolation.None, latency);
        }
        else if (device.Mode == 7)
        {
            return Refuse(in request, IommuFault.IllegalDeviceTableEntry, IommuEventCode.IllegalDeviceTableEntry, IommuEventFlags.ReservedBit, device.DomainId, RmpViolation.None, latency);
        }
        else if (write ? !device.Write : !device.Read)
        {
            return Refuse(in request, IommuFault.PermissionDenied, IommuEventCode.IoPageFault, IommuEventFlags.Present | IommuEventFlags.PermissionError, device.DomainId, RmpViolation.None, latency);
        }
        else if (device.Mode == 0)
        {
            hpa = address;
        }
        else
        {
            bool read, writable;
            if (_iotlb.TryLookup(device.DomainId, address, out hpa, out read, out writable))
            {
                _counters._iotlbHits++;
                hit = true;
            }
            else
            {
                _counters._iotlbMisses++;
                var walk = Walk(device.PageTableRoot, device.Mode, address, ref latency);
                if (walk.Fault != IommuFault.None)
                {
                    return Refuse(in request, walk.Fault, IommuEventCode.IoPageFault, walk.Flags, device.DomainId, RmpViolation.None, latency);
                }

                _iotlb.InsertAfterMiss(device.DomainId, address, walk.Size, walk.HostBase, walk.Read, walk.Write);
                hpa = walk.HostBase | (address & ((1UL << (int)walk.Size) - 1));
                read = walk.Read;
                writable = walk.Write;
            }

            if (write ? !writable : !read)
            {
                return Refuse(in request, IommuFault.PermissionDenied, IommuEventCode.IoPageFault, IommuEventFlags.Present | IommuEventFlags.PermissionError, device.DomainId, RmpViolation.None, latency);
            }
        }

        if (hpa >= _memory.Size || (ulong)request.Length > _memory.Size - hpa)
        {
            return Refuse(in request, IommuFault.HostAddressOutOfRange, IommuEventCode.IoPageFault, IommuEventFlags.Present, device.DomainId, RmpViolation.None, latency);
        }

        var check = _rmp.CheckHypervisorOwned(hpa);
        latency += check.Latency;
        if (!check.Allowed)
        {
            return Refuse(in request, IommuFault.RmpViolation, IommuEventCode.RmpPageFault, IommuEventFlags.Present, 0, check.Violation, latency);
        }

        return new IommuTranslation(IommuFault.None, RmpViolation.None, hpa, false, 0, latency, hit);
    }

    private WalkResult Walk(ulong root, int levels, ulong address, ref SimTime latency)
    {
        _counters._walks++;
        var start = latency;
        var result = WalkCore(root, levels, address, ref latency);
        _counters._walkPicoseconds += (latency - start).Picoseconds;
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private WalkResult WalkCore(ulong root, int levels, ulong address, ref SimTime latency)
    {
        var coveredBits = 12 + (9 * levels);
        if (coveredBits < 64 && address >> coveredBits != 0)
        {
            return WalkResult.Failed(IommuFault.AddressOutOfRange, IommuEventFlags.Translation);
        }

        var table = root;
        var read = true;
        var write = true;
        for (var level = levels; level >= 1; level--)
        {
            var shift = 12 + (9 * (level - 1));
            var slot = table + (((address >> shift) & 511) * IoPageTableEntry.Size);
            if (slot >= _memory.Size)
            {
                return WalkResult.Failed(IommuFault.HostAddressOutOfRange, IommuEventFlags.Translation);
            }

            var entry = new IoPageTableEntry(_memory.ReadUInt64(slot));
            _counters._walkReads++;
            latency += _walkReadCost;
            if (!entry.Present)
            {
                return WalkResult.Failed(IommuFault.NotPresent, IommuEventFlags.Translation);
            }

            read &= entry.Read;
            write &= entry.Write;
            var next = entry.NextLevel;
            if (next == 0)
            {
                var pageMask = (1UL << shift) - 1;
                if (level > 3 || (entry.Address & pageMask) != 0)
                {
                    return WalkResult.Failed(IommuFault.MalformedEntry, IommuEventFlags.Translation | IommuEventFlags.ReservedBit | IommuEventFlags.Present);
                }

                return new WalkResult(IommuFault.None, IommuEventFlags.None, entry.Address, (IoPageSize)shift, read, write);
            }

            if (next != level - 1)
            {
                // Level skipping and NextLevel = 7 are architectural but not modelled (see IoPageTableEntry).
                return WalkResult.Failed(IommuFault.MalformedEntry, IommuEventFlags.Translation | IommuEventFlags.ReservedBit | IommuEventFlags.Present);
            }

            table = entry.Address;
        }

        return WalkResult.Failed(IommuFault.MalformedEntry, IommuEventFlags.Translation | IommuEventFlags.ReservedBit);
    }

    // ---- trusted (T=1) path ----------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private IommuTranslation TranslateTrusted(in DmaRequest request)
    {
        _counters._trustedTranslations++;
        var latency = _hitLatency;
        ref readonly var secure = ref SecureContextFor(request.RequesterId, ref latency);
        if (!secure.Valid)
        {
            return Refuse(in request, IommuFault.NoSecureContext, IommuEventCode.InvalidDeviceRequest, IommuEventFlags.None, 0, RmpViolation.None, latency);
        }

        // The sDTE binds the TDI to the IDE streams the PSP keyed for it: the same requester id on any other stream is
        // another device (a requester id is only a claim; the stream's keys are the proof).
        if (request.StreamId >= 0 && !NamesStream(secure.StreamIds, request.StreamId))
        {
            return Refuse(in request, IommuFault.StreamNotBound, IommuEventCode.InvalidDeviceRequest, IommuEventFlags.None, (ushort)secure.Asid, RmpViolation.None, latency);
        }

        var asid = secure.Asid;
        var write = request.Access == MemoryAccess.Write;
        if (write ? !secure.Write : !secure.Read)
        {
            return Refuse(in request, IommuFault.PermissionDenied, IommuEventCode.IoPageFault, IommuEventFlags.Present | IommuEventFlags.PermissionError, (ushort)asid, RmpViolation.None, latency);
        }

        var address = request.Address;
        var isPrivate = !secure.VTomEnable || address < secure.VTom;
        var gpa = isPrivate ? address : address - secure.VTom;
        var context = GuestContextBase + (uint)asid;
        var hit = false;
        if (_iotlb.TryLookup(context, gpa, out var hpa, out _, out _))
        {
            _counters._iotlbHits++;
            hit = true;
        }
        else
        {
            _counters._iotlbMisses++;
            _counters._walks++;
            var map = _guestMaps[asid];
            if (map is null || !map.TryTranslate(gpa, out hpa, out var mappingSize))
            {
                latency += ChargeNestedWalk(_nestedWalkLevels);
                return Refuse(in request, IommuFault.GpaNotMapped, IommuEventCode.IoPageFault, IommuEventFlags.Translation, (ushort)asid, RmpViolation.None, latency);
            }

            var large = mappingSize == RmpPageSize.Size2M;
            latency += ChargeNestedWalk(large ? Math.Max(_nestedWalkLevels - 1, 0) : _nestedWalkLevels);
            _iotlb.InsertAfterMiss(context, gpa, large ? IoPageSize.Size2M : IoPageSize.Size4K, hpa & ~(large ? RmpTable.Size2M - 1 : PhysicalMemory.PageOffsetMask), true, true);
        }

        if (hpa >= _memory.Size || (ulong)request.Length > _memory.Size - hpa)
        {
            return Refuse(in request, IommuFault.HostAddressOutOfRange, IommuEventCode.IoPageFault, IommuEventFlags.Present, (ushort)asid, RmpViolation.None, latency);
        }

        var check = isPrivate
            ? _rmp.CheckGuestPrivate(hpa, asid, gpa, secure.Vmpl, request.Access)
            : _rmp.CheckHypervisorOwned(hpa);
        latency += check.Latency;
        if (!check.Allowed)
        {
            return Refuse(in request, IommuFault.RmpViolation, IommuEventCode.RmpPageFault, IommuEventFlags.Present, (ushort)asid, check.Violation, latency);
        }

        return new IommuTranslation(IommuFault.None, RmpViolation.None, hpa, isPrivate, asid, latency, hit);
    }

    /// <summary>True if one of the eight ide_stream_id bytes packed in <paramref name="streamIds"/> is <paramref name="streamId"/> (FFh = unused never matches).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NamesStream(ulong streamIds, int streamId)
    {
        if (streamId == 0xFF)
        {
            return false;
        }

        for (var i = 0; i < 64; i += 8)
        {
            if ((int)((streamIds >> i) & 0xFF) == streamId)
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SimTime ChargeNestedWalk(int reads)
    {
        _counters._walkReads += reads;
        var cost = _walkReadCost * reads;
        _counters._walkPicoseconds += cost.Picoseconds;
        return cost;
    }

    // ---- device table (host) ---------------------------------------------------------------------------------------

    /// <summary>
    /// Writes the DTE of <paramref name="requesterId"/> into the device table in memory, as the host driver does. The
    /// IOMMU keeps using a cached copy until <see cref="InvalidateDeviceTableEntry"/> (INVALIDATE_DEVTAB_ENTRY).
    /// </summary>
    public void WriteDeviceTableEntry(ushort requesterId, in DeviceTableEntry entry) =>
        entry.Encode(_memory.GetWritableSpan(Configuration.DeviceTableBase + (requesterId * (ulong)DeviceTableEntry.Size), DeviceTableEntry.Size));

    /// <summary>The DTE of <paramref name="requesterId"/> as it is in memory.</summary>
    public DeviceTableEntry ReadDeviceTableEntry(ushort requesterId) =>
        DeviceTableEntry.Decode(_memory.GetReadableSpan(Configuration.DeviceTableBase + (requesterId * (ulong)DeviceTableEntry.Size), DeviceTableEntry.Size));

    /// <summary>Command INVALIDATE_DEVTAB_ENTRY: the next request of <paramref name="requesterId"/> re-reads its DTE.</summary>
    public void InvalidateDeviceTableEntry(ushort requesterId)
    {
        var bus = _deviceContexts[requesterId >> 8];
        if (bus is not null)
        {
            bus[requesterId & 0xFF].Loaded = false;
        }
    }

    /// <summary>Command INVALIDATE_IOMMU_PAGES: drops IOTLB entries of <paramref name="domainId"/> overlapping the range.</summary>
    public void InvalidatePages(ushort domainId, ulong address, ulong length) => _iotlb.Invalidate(domainId, address, length);

    /// <summary>Command INVALIDATE_IOMMU_PAGES over the whole address space of <paramref name="domainId"/>.</summary>
    public void InvalidateDomain(ushort domainId) => _iotlb.InvalidateContext(domainId);

    /// <summary>Command INVALIDATE_IOMMU_ALL: every cached DTE, sDTE and translation.</summary>
    public void InvalidateAll()
    {
        _iotlb.InvalidateAll();
        foreach (var bus in _deviceContexts)
        {
            if (bus is not null)
            {
                Array.Clear(bus);
            }
        }

        foreach (var bus in _secureContexts)
        {
            if (bus is not null)
            {
                Array.Clear(bus);
            }
        }
    }

    // ---- guests (nested mappings for T=1) --------------------------------------------------------------------------

    /// <summary>
    /// Registers a guest's nested mapping so T=1 requests of sDTEs naming its ASID can be translated (the hypervisor
    /// points the IOMMU at the guest's nested page table). After changing the mapping, call <see cref="InvalidateGuestPages"/>.
    /// </summary>
    public void AttachGuest(GuestPhysicalMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _guestMaps[map.Asid] = map;
        _iotlb.InvalidateContext(GuestContextBase + (uint)map.Asid);
    }

    public void DetachGuest(int asid)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(asid);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(asid, MaxSecureAsid);
        _guestMaps[asid] = null;
        _iotlb.InvalidateContext(GuestContextBase + (uint)asid);
    }

    /// <summary>Drops cached trusted translations of guest <paramref name="asid"/> overlapping [<paramref name="gpa"/>, +<paramref name="length"/>).</summary>
    public void InvalidateGuestPages(int asid, ulong gpa, ulong length) =>
        _iotlb.Invalidate(GuestContextBase + (uint)asid, gpa, length);

    // ---- secure device table (PSP) ---------------------------------------------------------------------------------

    /// <summary>The PSP writes the whole sDTE of a TDI (TDI bind); takes effect for the next request.</summary>
    public void WriteSecureDeviceTableEntry(ushort requesterId, in SecureDeviceTableEntry entry)
    {
        entry.Encode(_memory.GetWritableSpan(SecureEntryAddress(requesterId), SecureDeviceTableEntry.Size));
        InvalidateSecureContext(requesterId);
    }

    /// <summary>
    /// Applies TIO_MSG_SDTE_WRITE_REQ: only the guest-writable fields (V, IR, IW, VMPL, vTOM_EN, vTOM) of
    /// <paramref name="guestEntry"/> replace those of the current sDTE; every PSP/hypervisor field is kept.
    /// </summary>
    public void WriteSecureDeviceTableEntryGuestFields(ushort requesterId, in SecureDeviceTableEntry guestEntry)
    {
        var current = ReadSecureDeviceTableEntry(requesterId);
        current.ApplyGuestWritableFields(in guestEntry);
        WriteSecureDeviceTableEntry(requesterId, in current);
    }

    /// <summary>The PSP clears the sDTE (unbind; SDTE_WRITE with validate = 0 clears V through the guest subset).</summary>
    public void ClearSecureDeviceTableEntry(ushort requesterId) => WriteSecureDeviceTableEntry(requesterId, default);

    public SecureDeviceTableEntry ReadSecureDeviceTableEntry(ushort requesterId) =>
        SecureDeviceTableEntry.Decode(_memory.GetReadableSpan(SecureEntryAddress(requesterId), SecureDeviceTableEntry.Size));

    // ---- internals -------------------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref readonly DeviceContext DeviceContextFor(ushort requesterId, ref SimTime latency)
    {
        var bus = _deviceContexts[requesterId >> 8] ?? AllocateBus(_deviceContexts, requesterId);
        ref var context = ref bus[requesterId & 0xFF];
        if (!context.Loaded)
        {
            LoadDeviceContext(requesterId, ref context, ref latency);
        }

        return ref context;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LoadDeviceContext(ushort requesterId, ref DeviceContext context, ref SimTime latency)
    {
        var entry = ReadDeviceTableEntry(requesterId);
        _counters._deviceTableReads++;
        latency += _deviceTableReadCost;
        context = new DeviceContext
        {
            Loaded = true,
            Valid = entry.Valid,
            TranslationValid = entry.TranslationValid,
            Mode = (byte)entry.Mode,
            PageTableRoot = entry.PageTableRoot,
            Read = entry.Read,
            Write = entry.Write,
            DomainId = entry.DomainId,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref readonly SecureContext SecureContextFor(ushort requesterId, ref SimTime latency)
    {
        var bus = _secureContexts[requesterId >> 8] ?? AllocateBus(_secureContexts, requesterId);
        ref var context = ref bus[requesterId & 0xFF];
        if (!context.Loaded)
        {
            LoadSecureContext(requesterId, ref context, ref latency);
        }

        return ref context;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LoadSecureContext(ushort requesterId, ref SecureContext context, ref SimTime latency)
    {
        var entry = ReadSecureDeviceTableEntry(requesterId);
        _counters._deviceTableReads++;
        latency += _secureDeviceTableReadCost;
        context = new SecureContext
        {
            Loaded = true,
            Valid = entry.Valid && entry.Asid is > 0 and <= MaxSecureAsid,
            Read = entry.Read,
            Write = entry.Write,
            Vmpl = (byte)entry.Vmpl,
            Asid = entry.Asid,
            VTomEnable = entry.VTomEnable,
            VTom = entry.VTom,
            StreamIds = PackStreamIds(in entry),
        };
    }

    private static ulong PackStreamIds(in SecureDeviceTableEntry entry)
    {
        ulong ids = 0;
        for (var i = 0; i < 8; i++)
        {
            ids |= (ulong)entry.GetIdeStreamId(i) << (8 * i);
        }

        return ids;
    }

    private void InvalidateSecureContext(ushort requesterId)
    {
        var bus = _secureContexts[requesterId >> 8];
        if (bus is not null)
        {
            bus[requesterId & 0xFF].Loaded = false;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T[] AllocateBus<T>(T[]?[] table, ushort requesterId) => table[requesterId >> 8] = new T[256];

    private ulong SecureEntryAddress(ushort requesterId) =>
        Configuration.SecureDeviceTableBase + (requesterId * (ulong)SecureDeviceTableEntry.Size);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private IommuTranslation Refuse(in DmaRequest request, IommuFault fault, IommuEventCode code, IommuEventFlags flags, ushort domainOrTag, RmpViolation violation, SimTime latency)
    {
        switch (code)
        {
            case IommuEventCode.IoPageFault:
                _counters._ioPageFaults++;
                break;
            case IommuEventCode.RmpPageFault:
                _counters._rmpPageFaults++;
                break;
            case IommuEventCode.InvalidDeviceRequest:
                _counters._invalidDeviceRequests++;
                break;
            case IommuEventCode.IllegalDeviceTableEntry:
                _counters._illegalDeviceTableEntries++;
                break;
        }

        if (request.Access == MemoryAccess.Write)
        {
            flags |= IommuEventFlags.Write;
        }

        EventLog.Append(new IommuEvent(code, request.RequesterId, domainOrTag, flags, (byte)violation, request.Address));
        return new IommuTranslation(fault, violation, 0, false, 0, latency, false);
    }

    private static void CheckRegion(PhysicalMemory memory, string key, ulong start, ulong length, ulong alignment)
    {
        if (start % alignment != 0 || start > memory.Size || length > memory.Size - start)
        {
            throw new ParameterException(key, $"0x{start:X}", $"must be {alignment}-byte aligned with 0x{length:X} bytes inside memory");
        }
    }

    private struct DeviceContext
    {
        public ulong PageTableRoot;
        public ushort DomainId;
        public byte Mode;
        public bool Loaded;
        public bool Valid;
        public bool TranslationValid;
        public bool Read;
        public bool Write;
    }

    private struct SecureContext
    {
        public ulong VTom;

        /// <summary>ide_stream_id[0..7], byte i at bits 8i+7:8i.</summary>
        public ulong StreamIds;
        public int Asid;
        public byte Vmpl;
        public bool Loaded;
        public bool Valid;
        public bool Read;
        public bool Write;
        public bool VTomEnable;
    }

    private readonly record struct WalkResult(IommuFault Fault, IommuEventFlags Flags, ulong HostBase, IoPageSize Size, bool Read, bool Write)
    {
        public static WalkResult Failed(IommuFault fault, IommuEventFlags flags) => new(fault, flags, 0, IoPageSize.Size4K, false, false);
    }
}
