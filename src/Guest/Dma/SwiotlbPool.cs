namespace SevTio.Guest.Dma;

/// <summary>
/// The SWIOTLB bounce pool and its slot allocator, as Linux kernel/dma/swiotlb.c does it: 2 KiB slots
/// (<c>IO_TLB_SIZE</c>) in segments of 128 (<c>IO_TLB_SEGSIZE</c>, so one mapping is at most 256 KiB), split into
/// per-CPU areas searched from a rotating index. Each slot's <c>list</c> counts the free contiguous slots from it to the
/// end of its segment; allocation (<c>swiotlb_search_pool_area</c>) steps through the area with the alignment stride
/// and takes the first slot whose count covers the request without crossing the device's segment boundary; release
/// (<c>swiotlb_release_slots</c>) merges the freed run with the free slots above and below it inside the segment.
/// </summary>
/// <remarks>
/// The pool lives in shared guest memory (decrypted at boot, or placed there by the host): the CPU copies between the
/// caller's private buffer and the slots. Allocation and release do not allocate managed memory. The DMA minimum
/// alignment mask of the device is taken as 0 (no <c>min_align_mask</c>), so a mapping starts at its first slot.
/// </remarks>
public sealed class SwiotlbPool
{
    /// <summary><c>IO_TLB_SHIFT</c>.</summary>
    public const int SlotShift = 11;

    /// <summary><c>IO_TLB_SIZE</c>: 2 KiB.</summary>
    public const int SlotSize = 1 << SlotShift;

    /// <summary><c>IO_TLB_SEGSIZE</c>: slots per segment.</summary>
    public const int SegmentSlots = 128;

    /// <summary>Largest mapping (<c>swiotlb_max_mapping_size</c>): one segment, 256 KiB.</summary>
    public const int MaxMappingSize = SegmentSlots * SlotSize;

    /// <summary><c>IO_TLB_DEFAULT_SIZE</c>: 64 MiB.</summary>
    public const ulong DefaultSize = 64UL << 20;

    /// <summary>Upper clamp of the SEV sizing rule: 1 GiB.</summary>
    public const ulong SevMaxSize = 1UL << 30;

    /// <summary>The PCI core's default DMA segment boundary (<c>dma_set_seg_boundary(dev, 0xffffffff)</c>).</summary>
    public const ulong PciSegmentBoundaryMask = 0xFFFF_FFFF;

    private const int PageSize = 4096;

    private readonly int[] _list;
    private readonly int[] _allocSize;
    private readonly ulong[] _origAddr;
    private readonly bool[] _mappingStart;
    private readonly int[] _areaIndex;
    private readonly int[] _areaUsed;
    private readonly int _areaSlots;
    private readonly ulong _maxSlots;

    /// <param name="baseGpa">First byte of the pool (the DMA address of slot 0: shared memory has no C-bit).</param>
    /// <param name="size">Bytes; a multiple of one segment (256 KiB).</param>
    /// <param name="areas">Areas (a power of two; Linux uses one per possible CPU), reduced until each holds a segment.</param>
    /// <param name="segmentBoundaryMask">The device's DMA segment boundary mask; no mapping crosses it.</param>
    public SwiotlbPool(ulong baseGpa, ulong size, int areas = 1, ulong segmentBoundaryMask = PciSegmentBoundaryMask)
    {
        if (size == 0 || size % MaxMappingSize != 0 || (size >> SlotShift) > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"a positive multiple of {MaxMappingSize} bytes");
        }

        if ((baseGpa & (SlotSize - 1)) != 0)
        {
            throw new ArgumentException($"pool base 0x{baseGpa:X} must be slot aligned", nameof(baseGpa));
        }

        if (areas < 1 || (areas & (areas - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(areas), areas, "a power of two");
        }

        if (((segmentBoundaryMask + 1) & segmentBoundaryMask) != 0 || segmentBoundaryMask < MaxMappingSize - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentBoundaryMask), segmentBoundaryMask, "2^n - 1, at least one segment");
        }

        BaseGpa = baseGpa;
        Size = size;
        Slots = (int)(size >> SlotShift);

        // limit_nareas(): every area holds at least one segment.
        while (areas > 1 && Slots / areas < SegmentSlots)
        {
            areas >>= 1;
        }

        Areas = areas;
        _areaSlots = Slots / areas;
        _list = new int[Slots];
        _allocSize = new int[Slots];
        _origAddr = new ulong[Slots];
        _mappingStart = new bool[Slots];
        _areaIndex = new int[areas];
        _areaUsed = new int[areas];
        _maxSlots = (segmentBoundaryMask >> SlotShift) + 1;
        SegmentBoundaryMask = segmentBoundaryMask;
        for (var i = 0; i < Slots; i++)
        {
            _list[i] = SegmentSlots - (i & (SegmentSlots - 1));
        }
    }

    public ulong BaseGpa { get; }

    public ulong Size { get; }

    public int Slots { get; }

    public int Areas { get; }

    public ulong SegmentBoundaryMask { get; }

    /// <summary>Slots in use now.</summary>
    public int Used { get; private set; }

    /// <summary>Most slots ever in use at once (<c>io_tlb_hiwater</c>).</summary>
    public int HighWater { get; private set; }

    /// <summary>Allocations that found no room ("swiotlb buffer is full").</summary>
    public long Failures { get; private set; }

    /// <summary>
    /// The SEV guest's pool size (arch/x86/mm/mem_encrypt_amd.c <c>sev_setup_arch</c>): 6 % of guest memory clamped to
    /// [64 MiB, 1 GiB], rounded up to whole segments (<c>swiotlb_adjust_size</c>).
    /// </summary>
    public static ulong SevDefaultSize(ulong guestMemoryBytes)
    {
        var size = guestMemoryBytes / 100 * 6 + guestMemoryBytes % 100 * 6 / 100;
        size = Math.Clamp(size, DefaultSize, SevMaxSize);
        var slots = (size + SlotSize - 1) >> SlotShift;
        slots = (slots + SegmentSlots - 1) / SegmentSlots * SegmentSlots;
        return slots << SlotShift;
    }

    /// <summary>Slots a mapping of <paramref name="bytes"/> takes (<c>nr_slots</c>).</summary>
    public static int SlotsFor(long bytes) => (int)((bytes + SlotSize - 1) >> SlotShift);

    public bool Contains(ulong address) => address >= BaseGpa && address - BaseGpa < Size;

    /// <summary>Address of slot <paramref name="index"/>.</summary>
    public ulong SlotAddress(int index) => BaseGpa + ((ulong)index << SlotShift);

    /// <summary>The slot index of a pool address.</summary>
    public int IndexOf(ulong address) =>
        Contains(address) ? (int)((address - BaseGpa) >> SlotShift) : throw new ArgumentOutOfRangeException(nameof(address));

    /// <summary>
    /// <c>swiotlb_find_slots</c>: slots for <paramref name="allocSize"/> bytes bouncing <paramref name="origAddr"/>,
    /// searched from <paramref name="cpu"/>'s area; -1 when no area has room.
    /// </summary>
    /// <param name="allocAlignMask">Explicit alignment of the allocation (0 for streaming mappings: page alignment for ≥ 4 KiB).</param>
    public int Allocate(ulong origAddr, int allocSize, int cpu = 0, ulong allocAlignMask = 0)
    {
        if (allocSize <= 0 || allocSize > MaxMappingSize)
        {
            Failures++;
            return -1;
        }

        for (var offset = 0; offset < Areas; offset++)
        {
            var index = SearchArea((cpu + offset) & (Areas - 1), origAddr, allocSize, allocAlignMask);
            if (index >= 0)
            {
                Used += SlotsFor(allocSize);
                HighWater = Math.Max(HighWater, Used);
                return index;
            }
        }

        Failures++;
        return -1;
    }

    /// <summary><c>swiotlb_release_slots</c>: returns the mapping that starts at slot <paramref name="index"/>.</summary>
    public void Release(int index)
    {
        if ((uint)index >= (uint)Slots || !_mappingStart[index])
        {
            throw new InvalidOperationException($"slot {index} does not start a mapping");
        }

        var slots = SlotsFor(_allocSize[index]);
        var area = index / _areaSlots;
        _mappingStart[index] = false;
        var count = index + slots < AlignUp(index + 1, SegmentSlots) ? _list[index + slots] : 0;

        // Step 1: free the run, merging with the free slots after it.
        for (var i = index + slots - 1; i >= index; i--)
        {
            _list[i] = ++count;
            _origAddr[i] = ulong.MaxValue;
            _allocSize[i] = 0;
        }

        // Step 2: merge with the free slots before it, up to the segment start.
        for (var i = index - 1; (i & (SegmentSlots - 1)) != SegmentSlots - 1 && _list[i] != 0; i--)
        {
            _list[i] = ++count;
        }

        _areaUsed[area] -= slots;
        Used -= slots;
    }

    /// <summary>The original (CPU) address recorded for slot <paramref name="index"/>.</summary>
    public ulong OriginalAddress(int index) => _origAddr[index];

    /// <summary>The free-run count of slot <paramref name="index"/> (for tests of the allocator's invariants).</summary>
    internal int FreeRun(int index) => _list[index];

    private static int AlignUp(int value, int align) => (value + align - 1) & ~(align - 1);

    private int Wrap(int index) => index >= _areaSlots ? 0 : index;

    private int SearchArea(int area, ulong origAddr, int allocSize, ulong allocAlignMask)
    {
        var slots = SlotsFor(allocSize);
        ulong iotlbAlignMask = 0;

        // Streaming mappings of a page or more stay page aligned (historical swiotlb behaviour).
        if (allocAlignMask == 0 && iotlbAlignMask == 0 && allocSize >= PageSize)
        {
            allocAlignMask = PageSize - 1;
        }

        allocAlignMask |= SlotSize - 1;
        iotlbAlignMask &= ~allocAlignMask;
        var stride = (int)((Math.Max(allocAlignMask, iotlbAlignMask) >> SlotShift) + 1);
        if (slots > _areaSlots - _areaUsed[area])
        {
            return -1;
        }

        var tableAddress = BaseGpa & SegmentBoundaryMask;
        var tableShift = (tableAddress + SlotSize - 1) >> SlotShift;
        var slotBase = area * _areaSlots;
        var index = _areaIndex[area];
        for (var checkedSlots = 0; checkedSlots < _areaSlots;)
        {
            var slotIndex = slotBase + index;
            var address = tableAddress + ((ulong)slotIndex << SlotShift);
            if ((address & allocAlignMask) != 0 || (origAddr != 0 && (address & iotlbAlignMask) != (origAddr & iotlbAlignMask)))
            {
                index = Wrap(index + 1);
                checkedSlots++;
                continue;
            }

            if (!CrossesBoundary((ulong)slotIndex, (ulong)slots, tableShift) && _list[slotIndex] >= slots)
            {
                Take(area, slotIndex, slots, origAddr, allocSize);
                _areaIndex[area] = Wrap(index + slots);
                return slotIndex;
            }

            index = Wrap(index + stride);
            checkedSlots += stride;
        }

        return -1;
    }

    /// <summary><c>iommu_is_span_boundary</c>: would slots [index, index + count) cross the device's segment boundary?</summary>
    private bool CrossesBoundary(ulong index, ulong count, ulong shift) => ((shift + index) & (_maxSlots - 1)) + count > _maxSlots;

    private void Take(int area, int first, int slots, ulong origAddr, int allocSize)
    {
        for (var i = first; i < first + slots; i++)
        {
            _list[i] = 0;
            _allocSize[i] = allocSize - ((i - first) << SlotShift);
            _origAddr[i] = origAddr + ((ulong)(i - first) << SlotShift);
        }

        _mappingStart[first] = true;

        // The free slots just below the run now end where it starts.
        var count = 0;
        for (var i = first - 1; (i & (SegmentSlots - 1)) != SegmentSlots - 1 && _list[i] != 0; i--)
        {
            _list[i] = ++count;
        }

        _areaUsed[area] += slots;
    }
}
