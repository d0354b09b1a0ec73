using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// Builds AMD v1 host I/O page tables in simulated memory, as the hypervisor's IOMMU driver does: tables are 4 KiB pages
/// taken in order from a pool the caller reserves; intermediate PDEs carry IR = IW = 1 so the leaf decides. Used by the
/// host layer and by tests. After changing a live table, issue the IOMMU's invalidation commands.
/// </summary>
public sealed class IoPageTableBuilder
{
    private readonly PhysicalMemory _memory;
    private readonly ulong _poolEnd;
    private ulong _next;

    /// <param name="memory">Where the tables live.</param>
    /// <param name="poolBase">First byte of the pool of table pages (4 KiB aligned).</param>
    /// <param name="poolBytes">Size of the pool.</param>
    /// <param name="levels">Levels of every table built (the DTE's Mode): 3 to 6; 4 covers a 48-bit I/O address space.</param>
    public IoPageTableBuilder(PhysicalMemory memory, ulong poolBase, ulong poolBytes, int levels = 4)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if ((poolBase & PhysicalMemory.PageOffsetMask) != 0 || poolBytes < PhysicalMemory.PageSize || poolBase > memory.Size || poolBytes > memory.Size - poolBase)
        {
            throw new ArgumentOutOfRangeException(nameof(poolBase), "the table pool must be page aligned, at least one page, and inside memory");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 3);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(levels, 6);
        _memory = memory;
        _next = poolBase;
        _poolEnd = poolBase + poolBytes;
        Levels = levels;
    }

    public int Levels { get; }

    /// <summary>Table pages handed out so far.</summary>
    public int TablePages { get; private set; }

    /// <summary>Allocates an empty root table and returns its system physical address (the DTE's page-table root).</summary>
    public ulong CreateRoot() => AllocateTable();

    /// <summary>
    /// Maps the I/O virtual address <paramref name="iova"/> to <paramref name="systemPhysicalAddress"/> with a leaf of
    /// <paramref name="size"/> (both aligned to it), creating intermediate tables as needed; replaces an existing leaf.
    /// </summary>
    public void Map(ulong root, ulong iova, ulong systemPhysicalAddress, IoPageSize size = IoPageSize.Size4K, bool read = true, bool write = true)
    {
        var pageBytes = 1UL << (int)size;
        if ((iova & (pageBytes - 1)) != 0 || (systemPhysicalAddress & (pageBytes - 1)) != 0)
        {
            throw new ArgumentException($"IOVA 0x{iova:X} and SPA 0x{systemPhysicalAddress:X} must be aligned to {size}");
        }

        CheckIova(iova);
        var leafLevel = LevelOf(size);
        var table = root;
        for (var level = Levels; level > leafLevel; level--)
        {
            var slot = SlotAddress(table, iova, level);
            var entry = new IoPageTableEntry(_memory.ReadUInt64(slot));
            if (!entry.Present || entry.NextLevel == 0)
            {
                var next = AllocateTable();
                _memory.WriteUInt64(slot, IoPageTableEntry.Directory(next, level - 1).Raw);
                table = next;
            }
            else
            {
                table = entry.Address;
            }
        }

        _memory.WriteUInt64(SlotAddress(table, iova, leafLevel), IoPageTableEntry.Leaf(systemPhysicalAddress, read, write).Raw);
    }

    /// <summary>Writes a raw entry at <paramref name="level"/> on the path of <paramref name="iova"/> (tests of malformed tables). Returns false when the path does not reach that level.</summary>
    public bool WriteRawEntry(ulong root, ulong iova, int level, IoPageTableEntry entry)
    {
        CheckIova(iova);
        var table = root;
        for (var l = Levels; l > level; l--)
        {
            var e = new IoPageTableEntry(_memory.ReadUInt64(SlotAddress(table, iova, l)));
            if (!e.Present || e.NextLevel == 0)
            {
                return false;
            }

            table = e.Address;
        }

        _memory.WriteUInt64(SlotAddress(table, iova, level), entry.Raw);
        return true;
    }

    /// <summary>Clears the leaf that maps <paramref name="iova"/>, whatever its size; tables are not freed.</summary>
    public void Unmap(ulong root, ulong iova)
    {
        CheckIova(iova);
        var table = root;
        for (var level = Levels; level >= 1; level--)
        {
            var slot = SlotAddress(table, iova, level);
            var entry = new IoPageTableEntry(_memory.ReadUInt64(slot));
            if (!entry.Present)
            {
                return;
            }

            if (entry.NextLevel == 0)
            {
                _memory.WriteUInt64(slot, 0);
                return;
            }

            table = entry.Address;
        }
    }

    /// <summary>The level whose leaves have <paramref name="size"/>: 1, 2 or 3.</summary>
    public static int LevelOf(IoPageSize size) => ((int)size - 12) / 9 + 1;

    private static ulong SlotAddress(ulong table, ulong iova, int level) =>
        table + (((iova >> (12 + (9 * (level - 1)))) & 511) * IoPageTableEntry.Size);

    private void CheckIova(ulong iova)
    {
        var bits = 12 + (9 * Levels);
        if (bits < 64 && iova >> bits != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(iova), $"IOVA 0x{iova:X} is beyond a {Levels}-level table ({bits} bits)");
        }
    }

    private ulong AllocateTable()
    {
        if (_next + PhysicalMemory.PageSize > _poolEnd)
        {
            throw new InvalidOperationException("the I/O page table pool is exhausted");
        }

        var table = _next;
        _next += PhysicalMemory.PageSize;
        _memory.Clear(table, PhysicalMemory.PageSize);
        TablePages++;
        return table;
    }
}
