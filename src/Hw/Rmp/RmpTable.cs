using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>
/// The Reverse Map Table (APM vol. 2 §15.36): one 16-byte <see cref="RmpEntry"/> per 4 KiB page of the covered range,
/// stored in simulated physical memory between RMP_BASE and RMP_END, after 16 KiB of processor bookkeeping. The RMP's own
/// pages are firmware-owned and no software or device write reaches them. The RMP decides ownership; every CPU and DMA
/// access path asks it through <see cref="CheckHypervisorOwned"/> or <see cref="CheckGuestPrivate(ulong, int, ulong, int, MemoryAccess)"/>.
/// </summary>
/// <remarks>
/// <para>Instructions: <see cref="RmpUpdate"/> and <see cref="Psmash"/> (hypervisor), <see cref="Pvalidate"/> and
/// <see cref="RmpAdjust"/> (guest; the caller has already walked the nested page table, see <see cref="GuestMemoryView"/>).
/// They return the architectural codes (<see cref="RmpStatus"/>) and never throw for a bad operand.</para>
/// <para>2 MiB pages: only the 2 MiB-aligned entry carries the page (Page_Size = 1); RMPUPDATE keeps the other 511 entries
/// unassigned (FAIL_OVERLAP otherwise), so the effective entry of a 4 KiB page is its own entry when assigned, else the
/// region's head entry when that is a 2 MiB entry (GPA advanced by the page's offset), else its own.</para>
/// <para>Entry cache: a direct-mapped cache of effective entries. A hit costs <see cref="RmpConfiguration.CacheHitLatency"/>;
/// a miss adds one timed 16-byte memory read (two when the page's own entry is unassigned and the head must be read too).
/// Every entry write invalidates what it affects. Checks of uncovered pages cost nothing (a compare against RMP_END).</para>
/// </remarks>
public sealed class RmpTable
{
    public const int PagesPer2M = 512;
    public const ulong Size2M = 2UL << 20;
    private const ulong Mask2M = Size2M - 1;

    private readonly PhysicalMemory _memory;
    private readonly ulong _entriesBase;
    private readonly ulong _coveredPages;
    private readonly ulong[] _cacheTags; // pfn + 1; 0 = empty
    private readonly RmpEntry[] _cacheEntries;
    private readonly int _cacheMask;
    private readonly SimTime _hitLatency;
    private readonly SimTime _entryReadCost;
    private readonly HashSet<ulong> _inUse = [];
    private readonly RmpCounters _counters = new();

    // The table page the last entry read came from, and where its frame is.
    private ulong _framePage = ulong.MaxValue;
    private byte[] _frameSlab = [];
    private int _frameOffset;

    /// <summary>
    /// Creates the RMP and initialises it as the AMD-SP does at SNP_INIT: the table range is zeroed (every page
    /// hypervisor-owned) and the table's own pages are made firmware-owned (assigned, ASID 0, immutable).
    /// </summary>
    public RmpTable(PhysicalMemory memory, MemoryTiming timing, RmpConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.CoveredBytes == 0 || (configuration.CoveredBytes & Mask2M) != 0 || configuration.CoveredBytes > RmpEntry.MaxGpa + 1)
        {
            throw new ParameterException("rmp.covered", configuration.CoveredBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a positive multiple of 2 MiB");
        }

        if ((configuration.RmpBase & 0x1FFF) != 0)
        {
            throw new ParameterException("rmp.base", $"0x{configuration.RmpBase:X}", "must be 8 KiB aligned (APM 15.36.4)");
        }

        if (configuration.RmpBase > memory.Size || configuration.TableBytes > memory.Size - configuration.RmpBase)
        {
            throw new ParameterException("rmp.base", $"0x{configuration.RmpBase:X}", $"leaves no room for the 0x{configuration.TableBytes:X}-byte RMP inside memory");
        }

        if (configuration.CacheEntries <= 0 || !ulong.IsPow2((ulong)configuration.CacheEntries))
        {
            throw new ParameterException("rmp.cache_entries", configuration.CacheEntries.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a positive power of two");
        }

        _memory = memory;
        Configuration = configuration;
        RmpBase = configuration.RmpBase;
        RmpEnd = configuration.RmpBase + configuration.TableBytes;
        CoveredBytes = configuration.CoveredBytes;
        _coveredPages = configuration.CoveredBytes >> PhysicalMemory.PageShift;
        _entriesBase = configuration.RmpBase + RmpConfiguration.BookkeepingBytes;
        _cacheTags = new ulong[configuration.CacheEntries];
        _cacheEntries = new RmpEntry[configuration.CacheEntries];
        _cacheMask = configuration.CacheEntries - 1;
        _hitLatency = configuration.CacheHitLatency;
        _entryReadCost = timing.ReadCost(RmpEntry.Size);

        _memory.Clear(RmpBase, configuration.TableBytes);
        var firmware = RmpEntry.Create(assigned: true, immutable: true);
        var lastTablePage = (RmpEnd - 1) >> PhysicalMemory.PageShift;
        for (var pfn = RmpBase >> PhysicalMemory.PageShift; pfn <= lastTablePage && pfn < _coveredPages; pfn++)
        {
            WriteRaw(pfn, firmware);
        }
    }

    public RmpConfiguration Configuration { get; }

    /// <summary>System physical address of the RMP's first byte (MSR RMP_BASE).</summary>
    public ulong RmpBase { get; }

    /// <summary>First byte after the RMP (MSR RMP_END + 1).</summary>
    public ulong RmpEnd { get; }

    /// <summary>Bytes of system physical address space covered, from 0.</summary>
    public ulong CoveredBytes { get; }

    /// <summary>Plain-field counters; publish them with <see cref="RmpCounters.CreateInstruments"/>.</summary>
    public RmpCounters Counters => _counters;

    /// <summary>True when <paramref name="systemPhysicalAddress"/> has an RMP entry.</summary>
    public bool IsCovered(ulong systemPhysicalAddress) => systemPhysicalAddress < CoveredBytes;

    /// <summary>True when the address lies inside the RMP table itself.</summary>
    public bool IsInTable(ulong systemPhysicalAddress) => systemPhysicalAddress - RmpBase < RmpEnd - RmpBase;

    /// <summary>The entry stored for the page (what RMPREAD of the raw table shows); a hypervisor entry for an uncovered page.</summary>
    public RmpEntry ReadEntry(ulong systemPhysicalAddress)
    {
        var pfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        return pfn < _coveredPages ? ReadRaw(pfn) : default;
    }

    /// <summary>The entry the access checks apply to the page: its own, or its 2 MiB page's head entry with the GPA advanced.</summary>
    public RmpEntry ReadEffectiveEntry(ulong systemPhysicalAddress)
    {
        var pfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        return pfn < _coveredPages ? Resolve(pfn, out _) : default;
    }

    /// <summary>
    /// The AMD-SP's privileged write of an entry (e.g. SNP_PAGE_RECLAIM, or TIO MMIO_VALIDATE setting Validated on MMIO
    /// pages): no x86 instruction rule applies. Returns <see cref="RmpStatus.FailInput"/> for an uncovered page.
    /// </summary>
    public RmpStatus FirmwareWriteEntry(ulong systemPhysicalAddress, RmpEntry entry)
    {
        var pfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        if (pfn >= _coveredPages)
        {
            return RmpStatus.FailInput;
        }

        WriteEntry(pfn, entry);
        return RmpStatus.Success;
    }

    /// <summary>
    /// Marks a page in use the way VMRUN marks the VMCB, VMSA and AVIC backing pages of a running guest (APM §15.36.12):
    /// RMPUPDATE and PSMASH of it return FAIL_INUSE until <see cref="ClearInUse"/> (the #VMEXIT).
    /// </summary>
    public void MarkInUse(ulong systemPhysicalAddress) => _inUse.Add(systemPhysicalAddress >> PhysicalMemory.PageShift);

    public void ClearInUse(ulong systemPhysicalAddress) => _inUse.Remove(systemPhysicalAddress >> PhysicalMemory.PageShift);

    public bool IsInUse(ulong systemPhysicalAddress) => _inUse.Contains(systemPhysicalAddress >> PhysicalMemory.PageShift);

    /// <summary>
    /// RMPUPDATE (hypervisor): writes the entry of the page at <paramref name="systemPhysicalAddress"/> with
    /// <paramref name="state"/>, clearing Validated and VMSA and giving VMPL0 full permissions on an assigned page.
    /// </summary>
    /// <remarks>
    /// FAIL_INPUT: address not page aligned (2 MiB aligned for a 2 MiB entry) or not covered; GPA not aligned to the page
    /// size or too wide; ASID above 1023; an unassigned state with a non-zero ASID, or an assigned state with ASID 0 that is
    /// not immutable (no owner in APM table 15-35 has that encoding) [model reading]. FAIL_INUSE: the page is marked in use.
    /// FAIL_PERMISSION: the current entry is immutable (firmware pages, the RMP itself). FAIL_OVERLAP: a 4 KiB entry inside an
    /// assigned 2 MiB page, or an assigned 2 MiB entry over a region with any other assigned 4 KiB entry.
    /// </remarks>
    public RmpStatus RmpUpdate(ulong systemPhysicalAddress, RmpUpdateState state)
    {
        var status = RmpUpdateCore(systemPhysicalAddress, state);
        CountInstruction(status);
        return status;
    }

    /// <summary>
    /// PSMASH (hypervisor): splits the 2 MiB entry at <paramref name="systemPhysicalAddress"/> into 512 4 KiB entries with
    /// contiguous GPAs, Page_Size 0 and every other field (Validated included) copied (APM §15.36.11).
    /// FAIL_INPUT: not 2 MiB aligned or not covered; FAIL_INUSE: marked in use; FAIL_BADADDR: not a 2 MiB entry.
    /// </summary>
    public RmpStatus Psmash(ulong systemPhysicalAddress)
    {
        RmpStatus status;
        var headPfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        if ((systemPhysicalAddress & Mask2M) != 0 || headPfn >= _coveredPages)
        {
            status = RmpStatus.FailInput;
        }
        else if (_inUse.Contains(headPfn))
        {
            status = RmpStatus.FailInUse;
        }
        else
        {
            var head = ReadRaw(headPfn);
            if (head.PageSize != RmpPageSize.Size2M)
            {
                status = RmpStatus.FailBadAddress;
            }
            else
            {
                var small = head.WithPageSize(RmpPageSize.Size4K);
                for (var i = 0; i < PagesPer2M; i++)
                {
                    WriteRaw(headPfn + (ulong)i, small.WithGpa(head.Gpa + ((ulong)i << PhysicalMemory.PageShift)));
                }

                Invalidate2M(headPfn);
                status = RmpStatus.Success;
            }
        }

        CountInstruction(status);
        return status;
    }

    /// <summary>
    /// PVALIDATE (guest, APM §15.36.6): sets or clears Validated on the page the guest maps at <paramref name="gpa"/>.
    /// The caller (the guest CPU, <see cref="GuestMemoryView"/>) has translated the GPA through the nested page table to
    /// <paramref name="systemPhysicalAddress"/> with a mapping of <paramref name="mappingSize"/>.
    /// </summary>
    /// <remarks>
    /// Order: FAIL_INPUT (GPA not aligned to the requested size); FAIL_PERMISSION (not at VMPL0 — only VMPL0 may
    /// validate, which is why a guest under an SVSM asks the SVSM) [model reading]; a 4 KiB request on a 2 MiB nested
    /// mapping → #VMEXIT(NPF) size mismatch, a 2 MiB request on a 4 KiB mapping → FAIL_SIZEMISMATCH; the RMP-Covered,
    /// Guest-Owned, Reverse-Map and Mutable checks → #VMEXIT(NPF); a 4 KiB request on a 2 MiB RMP entry → #VMEXIT(NPF),
    /// a 2 MiB request on a 4 KiB RMP entry → FAIL_SIZEMISMATCH (APM table 15-40); Validated already as requested →
    /// <see cref="RmpStatus.NoUpdate"/>.
    /// </remarks>
    public RmpInstructionResult Pvalidate(int asid, int vmpl, ulong gpa, ulong systemPhysicalAddress, RmpPageSize pageSize, RmpPageSize mappingSize, bool validate)
    {
        RmpInstructionResult result;
        var pfn = 0UL;
        var entry = default(RmpEntry);
        if ((uint)pageSize > 1 || (gpa & SizeMask(pageSize)) != 0)
        {
            result = RmpStatus.FailInput;
        }
        else if (vmpl != 0)
        {
            result = RmpStatus.FailPermission;
        }
        else
        {
            result = GuestInstructionChecks(asid, gpa, systemPhysicalAddress, pageSize, mappingSize, out pfn, out entry);
        }

        if (result.Status == RmpStatus.Success)
        {
            if (entry.Validated == validate)
            {
                result = RmpStatus.NoUpdate;
            }
            else
            {
                WriteEntry(pfn, entry.WithValidated(validate));
            }
        }

        CountInstruction(result.Status);
        return result;
    }

    /// <summary>
    /// RMPADJUST (guest, APM §15.36.7): sets the permission mask of a numerically higher VMPL on the guest's page at
    /// <paramref name="gpa"/> (already translated to <paramref name="systemPhysicalAddress"/>), and at VMPL0 also the VMSA bit.
    /// </summary>
    /// <remarks>
    /// FAIL_INPUT: target VMPL above 3, reserved permission bits, GPA misaligned. FAIL_PERMISSION: target VMPL not above the
    /// current one, or a permission the current VMPL does not hold itself. Size and ownership rules as for PVALIDATE.
    /// </remarks>
    public RmpInstructionResult RmpAdjust(int asid, int vmpl, ulong gpa, ulong systemPhysicalAddress, RmpPageSize pageSize, RmpPageSize mappingSize, int targetVmpl, VmplPermissions permissions, bool vmsa)
    {
        RmpInstructionResult result;
        if ((uint)targetVmpl >= RmpEntry.VmplCount || (permissions & VmplPermissions.ReservedMask) != 0 || (uint)vmpl >= RmpEntry.VmplCount)
        {
            result = RmpStatus.FailInput;
        }
        else
        {
            result = GuestInstructionChecks(asid, gpa, systemPhysicalAddress, pageSize, mappingSize, out var pfn, out var entry);
            if (result.Status == RmpStatus.Success)
            {
                if (targetVmpl <= vmpl || (permissions & ~entry.Permissions(vmpl)) != 0)
                {
                    result = RmpStatus.FailPermission;
                }
                else
                {
                    var updated = entry.WithPermissions(targetVmpl, permissions);
                    if (vmpl == 0)
                    {
                        updated = updated.WithVmsa(vmsa);
                    }

                    WriteEntry(pfn, updated);
                }
            }
        }

        CountInstruction(result.Status);
        return result;
    }

    /// <summary>
    /// The Hypervisor-Owned check (APM table 15-39) for a hypervisor data write, a guest shared (C=0) write, and every DMA
    /// that must reach shared memory (T=0, or T=1 at or above vTOM): the page must not be assigned. The RMP table itself is
    /// never writable. Uncovered pages are hypervisor-owned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RmpCheckResult CheckHypervisorOwned(ulong systemPhysicalAddress)
    {
        _counters._checks++;
        if (IsInTable(systemPhysicalAddress))
        {
            return Violation(RmpViolation.RmpTableAccess, SimTime.Zero);
        }

        var pfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        if (pfn >= _coveredPages)
        {
            return default;
        }

        var latency = _hitLatency;
        ref readonly var entry = ref Lookup(pfn, ref latency);
        return (entry.Lo & 1) == 0 ? new RmpCheckResult(RmpViolation.None, latency) : Violation(RmpViolation.NotHypervisorOwned, latency);
    }

    /// <summary>
    /// The checks of a guest private (C=1) access and of trusted DMA below vTOM (APM table 15-39, in its order):
    /// RMP-Covered, Guest-Owned (assigned, same ASID), Reverse-Map (GPA), Mutable, Validated, VMPL permission.
    /// The page-size check is left out (DMA is checked per 4 KiB page).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RmpCheckResult CheckGuestPrivate(ulong systemPhysicalAddress, int asid, ulong gpa, int vmpl, MemoryAccess access) =>
        CheckGuestPrivateCore(systemPhysicalAddress, asid, gpa, vmpl, access, -1);

    /// <summary>As <see cref="CheckGuestPrivate(ulong, int, ulong, int, MemoryAccess)"/>, with the Page-Size check against the nested mapping's size.</summary>
    public RmpCheckResult CheckGuestPrivate(ulong systemPhysicalAddress, int asid, ulong gpa, int vmpl, MemoryAccess access, RmpPageSize mappingSize) =>
        CheckGuestPrivateCore(systemPhysicalAddress, asid, gpa, vmpl, access, (int)mappingSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RmpCheckResult CheckGuestPrivateCore(ulong systemPhysicalAddress, int asid, ulong gpa, int vmpl, MemoryAccess access, int mappingSize)
    {
        _counters._checks++;
        var pfn = systemPhysicalAddress >> PhysicalMemory.PageShift;
        if (pfn >= _coveredPages)
        {
            return Violation(RmpViolation.NotCovered, SimTime.Zero);
        }

        var latency = _hitLatency;
        ref readonly var entry = ref Lookup(pfn, ref latency);
        var violation = GuestPrivateViolation(in entry, asid, gpa & ~PhysicalMemory.PageOffsetMask, vmpl, access, mappingSize);
        return violation == RmpViolation.None ? new RmpCheckResult(RmpViolation.None, latency) : Violation(violation, latency);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RmpViolation GuestPrivateViolation(in RmpEntry entry, int asid, ulong gpaPage, int vmpl, MemoryAccess access, int mappingSize)
    {
        if (!entry.Assigned)
        {
            return RmpViolation.NotAssigned;
        }

        if (entry.Asid != asid || asid == 0)
        {
            return RmpViolation.AsidMismatch;
        }

        if (entry.Gpa != gpaPage)
        {
            return RmpViolation.GpaMismatch;
        }

        if (entry.Immutable)
        {
            return RmpViolation.Immutable;
        }

        if (mappingSize >= 0 && (int)entry.PageSize != mappingSize)
        {
            return RmpViolation.PageSizeMismatch;
        }

        if (!entry.Validated)
        {
            return RmpViolation.NotValidated;
        }

        var perms = (uint)(entry.Hi >> ((vmpl & 3) * 8)) & 0xFF;
        var required = access == MemoryAccess.Read ? (uint)VmplPermissions.Read : (uint)VmplPermissions.Write;
        const uint readWrite = (uint)(VmplPermissions.Read | VmplPermissions.Write);
        if ((uint)vmpl >= RmpEntry.VmplCount || (perms & required) == 0 || (perms & readWrite) == (uint)VmplPermissions.Write)
        {
            return RmpViolation.VmplPermission;
        }

        return RmpViolation.None;
    }

    private RmpStatus RmpUpdateCore(ulong spa, RmpUpdateState state)
    {
        var pfn = spa >> PhysicalMemory.PageShift;
        var sizeMask = state.PageSize == RmpPageSize.Size2M ? Mask2M : PhysicalMemory.PageOffsetMask;
        if ((spa & sizeMask) != 0 || pfn >= _coveredPages || (uint)state.PageSize > 1)
        {
            return RmpStatus.FailInput;
        }

        if (state.Assigned)
        {
            if ((state.Gpa & sizeMask) != 0 || state.Gpa > RmpEntry.MaxGpa || (uint)state.Asid > RmpEntry.MaxAsid || (state.Asid == 0 && !state.Immutable))
            {
                return RmpStatus.FailInput;
            }
        }
        else if (state.Asid != 0)
        {
            return RmpStatus.FailInput;
        }

        if (_inUse.Contains(pfn))
        {
            return RmpStatus.FailInUse;
        }

        var current = ReadRaw(pfn);
        if (current.Immutable)
        {
            return RmpStatus.FailPermission;
        }

        var headPfn = pfn & ~(ulong)(PagesPer2M - 1);
        if (state.PageSize == RmpPageSize.Size4K)
        {
            if (pfn != headPfn)
            {
                var head = ReadRaw(headPfn);
                if (head.Assigned && head.PageSize == RmpPageSize.Size2M)
                {
                    return RmpStatus.FailOverlap;
                }
            }
        }
        else if (state.Assigned)
        {
            for (var i = 1UL; i < PagesPer2M; i++)
            {
                if (ReadRaw(pfn + i).Assigned)
                {
                    return RmpStatus.FailOverlap;
                }
            }
        }

        var entry = state.Assigned
            ? RmpEntry.Create(true, state.PageSize, state.Immutable, state.Gpa, state.Asid, hi: RmpEntry.FullVmplPermissions)
            : RmpEntry.Create(false, state.PageSize);
        WriteEntry(pfn, entry);
        return RmpStatus.Success;
    }

    private RmpInstructionResult GuestInstructionChecks(int asid, ulong gpa, ulong spa, RmpPageSize pageSize, RmpPageSize mappingSize, out ulong pfn, out RmpEntry entry)
    {
        pfn = spa >> PhysicalMemory.PageShift;
        entry = default;
        var sizeMask = SizeMask(pageSize);
        if ((uint)pageSize > 1 || (gpa & sizeMask) != 0 || (spa & sizeMask) != 0)
        {
            return RmpStatus.FailInput;
        }

        if (pageSize == RmpPageSize.Size4K && mappingSize == RmpPageSize.Size2M)
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.PageSizeMismatch);
        }

        if (pageSize == RmpPageSize.Size2M && mappingSize == RmpPageSize.Size4K)
        {
            return RmpStatus.FailSizeMismatch;
        }

        if (pfn >= _coveredPages)
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.NotCovered);
        }

        var effective = Resolve(pfn, out _);
        var violation = !effective.Assigned ? RmpViolation.NotAssigned
            : effective.Asid != asid || asid == 0 ? RmpViolation.AsidMismatch
            : effective.Gpa != (gpa & ~PhysicalMemory.PageOffsetMask) ? RmpViolation.GpaMismatch
            : effective.Immutable ? RmpViolation.Immutable
            : RmpViolation.None;
        if (violation != RmpViolation.None)
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, violation);
        }

        if (pageSize == RmpPageSize.Size4K && effective.PageSize == RmpPageSize.Size2M)
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.PageSizeMismatch);
        }

        if (pageSize == RmpPageSize.Size2M && effective.PageSize == RmpPageSize.Size4K)
        {
            return RmpStatus.FailSizeMismatch;
        }

        entry = effective;
        return RmpStatus.Success;
    }

    /// <summary>Effective entry of a covered page through the cache; adds the miss cost to <paramref name="latency"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref readonly RmpEntry Lookup(ulong pfn, ref SimTime latency)
    {
        var slot = (int)pfn & _cacheMask;
        if (_cacheTags[slot] == pfn + 1)
        {
            _counters._cacheHits++;
            return ref _cacheEntries[slot];
        }

        return ref Fill(pfn, slot, ref latency);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private ref readonly RmpEntry Fill(ulong pfn, int slot, ref SimTime latency)
    {
        _counters._cacheMisses++;
        var entry = Resolve(pfn, out var reads);
        _counters._entryReads += reads;
        latency += _entryReadCost * reads;
        _cacheTags[slot] = pfn + 1;
        _cacheEntries[slot] = entry;
        return ref _cacheEntries[slot];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private RmpEntry Resolve(ulong pfn, out int reads)
    {
        var own = ReadRaw(pfn);
        reads = 1;
        var headPfn = pfn & ~(ulong)(PagesPer2M - 1);
        if (pfn != headPfn && !own.Assigned)
        {
            var head = ReadRaw(headPfn);
            reads = 2;
            if (head.PageSize == RmpPageSize.Size2M)
            {
                return head.WithGpa(head.Gpa + ((pfn - headPfn) << PhysicalMemory.PageShift));
            }
        }

        return own;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private RmpEntry ReadRaw(ulong pfn)
    {
        // An entry is 16-byte aligned, so it never crosses a page; consecutive entries share the table page, whose
        // frame is kept (frames never move) instead of being looked up per entry.
        var address = _entriesBase + pfn * RmpEntry.Size;
        var tablePage = address >> PhysicalMemory.PageShift;
        if (tablePage != _framePage)
        {
            if (!_memory.TryGetFrame(tablePage, out var slab, out var offset))
            {
                return default; // an untouched table page reads as zeros (and may get a frame later: not kept)
            }

            _framePage = tablePage;
            _frameSlab = slab;
            _frameOffset = offset;
        }

        var entry = _frameSlab.AsSpan(_frameOffset + (int)(address & PhysicalMemory.PageOffsetMask), RmpEntry.Size);
        return new RmpEntry(BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]));
    }

    private void WriteRaw(ulong pfn, RmpEntry entry)
    {
        var address = _entriesBase + pfn * RmpEntry.Size;
        _memory.WriteUInt64(address, entry.Lo);
        _memory.WriteUInt64(address + 8, entry.Hi);
    }

    private void WriteEntry(ulong pfn, RmpEntry entry)
    {
        WriteRaw(pfn, entry);
        if ((pfn & (PagesPer2M - 1)) == 0)
        {
            Invalidate2M(pfn); // sub-pages may resolve through this head
        }
        else
        {
            InvalidatePage(pfn);
        }
    }

    private void InvalidatePage(ulong pfn)
    {
        var slot = (int)pfn & _cacheMask;
        if (_cacheTags[slot] == pfn + 1)
        {
            _cacheTags[slot] = 0;
        }
    }

    private void Invalidate2M(ulong headPfn)
    {
        for (var i = 0UL; i < PagesPer2M; i++)
        {
            InvalidatePage(headPfn + i);
        }
    }

    private static ulong SizeMask(RmpPageSize size) => size == RmpPageSize.Size2M ? Mask2M : PhysicalMemory.PageOffsetMask;

    private RmpCheckResult Violation(RmpViolation violation, SimTime latency)
    {
        _counters._violations++;
        return new RmpCheckResult(violation, latency);
    }

    private void CountInstruction(RmpStatus status)
    {
        _counters._instructions++;
        if (status is not (RmpStatus.Success or RmpStatus.NoUpdate))
        {
            _counters._instructionFailures++;
        }
    }

}
