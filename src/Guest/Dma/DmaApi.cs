using SevTio.Guest.Cpu;
using SevTio.Guest.Memory;
using SevTio.Guest.Pci;
using SevTio.Hw.Cpu;
using SevTio.Hw.Memory;

namespace SevTio.Guest.Dma;

/// <summary>
/// The guest's DMA API for PCI devices (kernel/dma/direct.c and swiotlb.c as an SNP guest runs them, with the seed's
/// patches 4–6). For a device that is not accepted, every streaming mapping bounces through the shared SWIOTLB pool —
/// the CPU copies the private buffer into a slot at map and back at unmap/sync — and coherent buffers are converted to
/// shared pages (<c>set_memory_decrypted</c>: PVALIDATE rescind, page-state-change exit, host RMPUPDATE). For an
/// accepted device (<c>device_cc_accepted</c>) mappings are the private buffer's own address: no bounce, no
/// conversion, no C-bit in the DMA address (the sDTE's vTOM decides private).
/// </summary>
/// <remarks>
/// Costs: each bounce copy charges <see cref="GuestCpuTiming.CopyCost"/> plus a slot search/release, counted in
/// <see cref="GuestCpuAccounting.CopyTime"/>; conversions are counted by <see cref="PageStateConverter"/>. Map and unmap
/// do not allocate. With <see cref="CopiesData"/> off (timing-only runs) the copies are charged but no bytes move.
/// </remarks>
public sealed class DmaApi
{
    private const int CopyChunk = 64 * 1024;

    private readonly GuestVcpu _vcpu;
    private readonly GuestPageAllocator _ram;
    private readonly PageStateConverter _converter;
    private readonly GuestCpuTiming _timing;
    private readonly GuestCpuAccounting _accounting;
    private readonly byte[] _scratch = new byte[CopyChunk];
    private readonly byte[] _zeros = new byte[CopyChunk];

    public DmaApi(GuestVcpu vcpu, SwiotlbPool swiotlb, GuestPageAllocator ram, PageStateConverter converter, GuestCpuTiming timing, GuestCpuAccounting accounting)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        ArgumentNullException.ThrowIfNull(swiotlb);
        ArgumentNullException.ThrowIfNull(ram);
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(accounting);
        _vcpu = vcpu;
        Swiotlb = swiotlb;
        _ram = ram;
        _converter = converter;
        _timing = timing;
        _accounting = accounting;
    }

    public SwiotlbPool Swiotlb { get; }

    public DmaStatistics Statistics { get; } = new();

    /// <summary>Copy the bytes of bounces (functional) or only charge their time (timing runs).</summary>
    public bool CopiesData { get; set; } = true;

    /// <summary><c>is_swiotlb_force_bounce</c> in an SNP guest with the seed's patch 4: every device but an accepted one.</summary>
    public static bool ForceBounce(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return !device.CcAccepted;
    }

    /// <summary><c>force_dma_unencrypted</c> with the seed's patch 5: coherent buffers must be shared unless the device is accepted.</summary>
    public static bool ForceDmaUnencrypted(GuestPciDevice device) => ForceBounce(device);

    /// <summary><c>dma_max_mapping_size</c>: 256 KiB through SWIOTLB, unlimited direct.</summary>
    public static int MaxMappingSize(GuestPciDevice device) => ForceBounce(device) ? SwiotlbPool.MaxMappingSize : int.MaxValue;

    /// <summary>
    /// <c>dma_map_single</c> of <paramref name="length"/> bytes of private memory at <paramref name="cpuAddress"/>.
    /// Bouncing always copies the buffer into the slot (Linux does even for FROM_DEVICE, so a partial device write
    /// cannot expose stale slot contents).
    /// </summary>
    /// <returns>ENOMEM when the pool is full; EINVAL for an empty mapping or one larger than
    /// <see cref="MaxMappingSize"/>; EFAULT if the copy faulted.</returns>
    public Errno MapSingle(GuestPciDevice device, ulong cpuAddress, int length, DmaDirection direction, out DmaMapping mapping, DmaAttributes attributes = DmaAttributes.None)
    {
        ArgumentNullException.ThrowIfNull(device);
        mapping = default;
        if (length <= 0)
        {
            Statistics._mapFailures++;
            return Errno.EINVAL;
        }

        if (!ForceBounce(device))
        {
            Statistics._directMaps++;
            mapping = new DmaMapping(cpuAddress, cpuAddress, length, direction, -1);
            return Errno.None;
        }

        if (length > SwiotlbPool.MaxMappingSize)
        {
            Statistics._mapFailures++;
            return Errno.EINVAL;
        }

        var start = _vcpu.Scheduler.Now;
        _vcpu.Scheduler.Advance(_timing.SwiotlbSlotCost);
        var slot = Swiotlb.Allocate(cpuAddress, length);
        if (slot < 0)
        {
            Statistics._mapFailures++;
            _accounting._copyTime += _vcpu.Scheduler.Now - start;
            return Errno.ENOMEM;
        }

        var slotAddress = Swiotlb.SlotAddress(slot);
        var error = (attributes & DmaAttributes.SkipCpuSync) != 0 ? Errno.None : Copy(cpuAddress, true, slotAddress, false, length);
        _accounting._copyTime += _vcpu.Scheduler.Now - start;
        if (error != Errno.None)
        {
            Swiotlb.Release(slot);
            Statistics._mapFailures++;
            return error;
        }

        Statistics._bouncedMaps++;
        mapping = new DmaMapping(slotAddress, cpuAddress, length, direction, slot);
        return Errno.None;
    }

    /// <summary><c>dma_unmap_single</c>: copies a FROM_DEVICE/BIDIRECTIONAL bounce back into the private buffer and frees the slots.</summary>
    public Errno UnmapSingle(GuestPciDevice device, in DmaMapping mapping, DmaAttributes attributes = DmaAttributes.None)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!mapping.Bounced)
        {
            return Errno.None;
        }

        var start = _vcpu.Scheduler.Now;
        var error = Errno.None;
        if ((attributes & DmaAttributes.SkipCpuSync) == 0 && mapping.Direction is DmaDirection.FromDevice or DmaDirection.Bidirectional)
        {
            error = Copy(mapping.DmaAddress, false, mapping.CpuAddress, true, mapping.Length);
        }

        _vcpu.Scheduler.Advance(_timing.SwiotlbSlotCost);
        Swiotlb.Release(mapping.SwiotlbSlot);
        _accounting._copyTime += _vcpu.Scheduler.Now - start;
        return error;
    }

    /// <summary><c>dma_sync_single_for_cpu</c>: the device's writes become visible to the CPU (bounce: slot → buffer).</summary>
    public Errno SyncForCpu(in DmaMapping mapping)
    {
        if (!mapping.Bounced || mapping.Direction == DmaDirection.ToDevice)
        {
            return Errno.None;
        }

        var start = _vcpu.Scheduler.Now;
        var error = Copy(mapping.DmaAddress, false, mapping.CpuAddress, true, mapping.Length);
        _accounting._copyTime += _vcpu.Scheduler.Now - start;
        return error;
    }

    /// <summary><c>dma_sync_single_for_device</c>: the CPU's writes become visible to the device (bounce: buffer → slot).</summary>
    public Errno SyncForDevice(in DmaMapping mapping)
    {
        if (!mapping.Bounced || mapping.Direction == DmaDirection.FromDevice)
        {
            return Errno.None;
        }

        var start = _vcpu.Scheduler.Now;
        var error = Copy(mapping.CpuAddress, true, mapping.DmaAddress, false, mapping.Length);
        _accounting._copyTime += _vcpu.Scheduler.Now - start;
        return error;
    }

    /// <summary>
    /// <c>dma_alloc_coherent</c>: zeroed, page-aligned pages both CPU and device use; converted to shared for a device
    /// that is not accepted. ENOMEM without pages, EIO if the conversion failed.
    /// </summary>
    public Errno AllocCoherent(GuestPciDevice device, long size, out CoherentBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(device);
        buffer = default;
        if (size <= 0)
        {
            return Errno.EINVAL;
        }

        var pages = (size + PhysicalMemory.PageSize - 1) >> PhysicalMemory.PageShift;
        if (!_ram.TryAllocate(pages, out var gpa))
        {
            return Errno.ENOMEM;
        }

        var shared = ForceDmaUnencrypted(device);
        if (shared)
        {
            var error = _converter.MakeShared(gpa, pages);
            if (error != Errno.None)
            {
                return error; // pages of unknown state are leaked, as Linux does
            }

            Statistics._coherentSharedPages += pages;
        }

        Statistics._coherentAllocations++;
        buffer = new CoherentBuffer(gpa, gpa, pages, shared);
        return Zero(buffer);
    }

    /// <summary><c>dma_free_coherent</c>: shared buffers are converted back to private before the pages are reused.</summary>
    public Errno FreeCoherent(in CoherentBuffer buffer)
    {
        if (buffer.Pages == 0)
        {
            return Errno.EINVAL;
        }

        if (buffer.Shared)
        {
            var error = _converter.MakePrivate(buffer.CpuAddress, buffer.Pages);
            if (error != Errno.None)
            {
                return error;
            }
        }

        _ram.Free(buffer.CpuAddress, buffer.Pages);
        return Errno.None;
    }

    /// <summary>CPU read of a coherent buffer (with the buffer's C-bit).</summary>
    public Errno Read(in CoherentBuffer buffer, long offset, Span<byte> destination) =>
        CheckRange(buffer, offset, destination.Length) && _vcpu.Memory.Read(buffer.CpuAddress + (ulong)offset, destination, buffer.Encrypted).Succeeded ? Errno.None : Errno.EFAULT;

    /// <summary>CPU write of a coherent buffer (with the buffer's C-bit).</summary>
    public Errno Write(in CoherentBuffer buffer, long offset, ReadOnlySpan<byte> source) =>
        CheckRange(buffer, offset, source.Length) && _vcpu.Memory.Write(buffer.CpuAddress + (ulong)offset, source, buffer.Encrypted).Succeeded ? Errno.None : Errno.EFAULT;

    private static bool CheckRange(in CoherentBuffer buffer, long offset, int length) => offset >= 0 && length <= buffer.Size - offset;

    private Errno Zero(in CoherentBuffer buffer)
    {
        for (long done = 0; done < buffer.Size; done += CopyChunk)
        {
            var chunk = (int)Math.Min(CopyChunk, buffer.Size - done);
            if (!_vcpu.Memory.Write(buffer.CpuAddress + (ulong)done, _zeros.AsSpan(0, chunk), buffer.Encrypted).Succeeded)
            {
                return Errno.EFAULT;
            }
        }

        _vcpu.Scheduler.Advance(_timing.CopyCost(buffer.Size));
        return Errno.None;
    }

    /// <summary>The CPU copy of a bounce: through a private scratch buffer, one chunk at a time.</summary>
    private Errno Copy(ulong source, bool sourcePrivate, ulong destination, bool destinationPrivate, int length)
    {
        _vcpu.Scheduler.Advance(_timing.CopyCost(length));
        _accounting._bounceCopies++;
        _accounting._bouncedBytes += length;
        if (!CopiesData)
        {
            return Errno.None;
        }

        for (var done = 0; done < length; done += CopyChunk)
        {
            var chunk = _scratch.AsSpan(0, Math.Min(CopyChunk, length - done));
            if (!_vcpu.Memory.Read(source + (ulong)done, chunk, sourcePrivate).Succeeded ||
                !_vcpu.Memory.Write(destination + (ulong)done, chunk, destinationPrivate).Succeeded)
            {
                return Errno.EFAULT;
            }
        }

        return Errno.None;
    }
}
