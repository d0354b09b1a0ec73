using SevTio.Guest.Dma;

namespace SevTio.Guest.Tests;

/// <summary>
/// The SWIOTLB slot allocator against Linux's rules (kernel/dma/swiotlb.c): 2 KiB slots, 128-slot segments, a
/// mapping never spans segments, page-or-larger streaming mappings are page aligned, every slot's free count is the
/// run of free slots to the end of its segment, and an allocation succeeds whenever such a run exists.
/// </summary>
public sealed class SwiotlbPoolTests
{
    private const ulong Base = 0x0500_0000;

    [Theory]
    [InlineData(512UL << 20)] // 6 % = 30.7 MiB → clamped up to 64 MiB
    [InlineData(4UL << 30)] // 6 % = 245.76 MiB
    [InlineData(32UL << 30)] // 6 % = 1.92 GiB → clamped down to 1 GiB
    [InlineData(1000_000_000UL)]
    public void SevDefaultSize_SixPercentClampedAndSegmentAligned(ulong memory)
    {
        // arch/x86/mm/mem_encrypt_amd.c: size = total_mem * 6 / 100, clamp(64 MiB, 1 GiB); swiotlb_adjust_size rounds
        // to slots (2 KiB) and slots up to a multiple of IO_TLB_SEGSIZE (128).
        var size = Math.Clamp((ulong)(memory * (System.Numerics.BigInteger)6 / 100), 64UL << 20, 1UL << 30);
        var slots = (size + 2047) / 2048;
        var expected = (slots + 127) / 128 * 128 * 2048;

        Assert.Equal(expected, SwiotlbPool.SevDefaultSize(memory));
    }

    [Fact]
    public void SevDefaultSize_4GiB_Is246MiB()
    {
        Assert.Equal(246UL << 20, SwiotlbPool.SevDefaultSize(4UL << 30));
    }

    [Fact]
    public void Constructor_FreshPool_EachSlotCountsToItsSegmentEnd()
    {
        var pool = new SwiotlbPool(Base, 1UL << 20);
        Assert.Equal(512, pool.Slots);
        for (var i = 0; i < pool.Slots; i++)
        {
            Assert.Equal(128 - (i % 128), pool.FreeRun(i));
        }
    }

    [Fact]
    public void Allocate_Rotates_NextSearchStartsAfterThePreviousMapping()
    {
        var pool = new SwiotlbPool(Base, 1UL << 20);
        Assert.Equal(0, pool.Allocate(0x1000, 3000)); // 2 slots
        Assert.Equal(2, pool.Allocate(0x9000, 100)); // 1 slot, right after
        Assert.Equal(4, pool.Allocate(0x2000, 4096)); // page mapping: slot 3 is not page aligned, slot 4 is
        Assert.Equal(5, pool.Used);
        Assert.Equal(0x9000UL, pool.OriginalAddress(2));
    }

    [Fact]
    public void Allocate_PageSizedMappings_ArePageAligned_AndNeverSpanSegments()
    {
        var pool = new SwiotlbPool(Base, 1UL << 20);
        Assert.Equal(0, pool.Allocate(0, 2048));
        // 30-slot mappings: four fit a 128-slot segment (the first segment starts after slot 0 at the next page).
        for (var n = 0; n < 16; n++)
        {
            var index = pool.Allocate(0, 60_000); // 30 slots
            Assert.True(index >= 0);
            Assert.Equal(0UL, pool.SlotAddress(index) % 4096);
            Assert.Equal(index / 128, (index + 29) / 128);
        }

        Assert.Equal(-1, pool.Allocate(0, 60_000));
    }

    [Fact]
    public void Allocate_TooLargeOrEmpty_Fails()
    {
        var pool = new SwiotlbPool(Base, 1UL << 20);
        Assert.Equal(-1, pool.Allocate(0, SwiotlbPool.MaxMappingSize + 1));
        Assert.Equal(-1, pool.Allocate(0, 0));
        Assert.Equal(0, pool.Allocate(0, SwiotlbPool.MaxMappingSize));
        Assert.Equal(2, pool.Failures);
    }

    [Fact]
    public void Allocate_PoolFull_FailsUntilReleased_ThenMergesBack()
    {
        var pool = new SwiotlbPool(Base, 512UL << 10); // two segments
        var a = pool.Allocate(0, SwiotlbPool.MaxMappingSize);
        var b = pool.Allocate(0, SwiotlbPool.MaxMappingSize);
        Assert.Equal([0, 128], new[] { a, b });
        Assert.Equal(-1, pool.Allocate(0, 2048));

        pool.Release(a);
        Assert.Equal(0, pool.Allocate(0, SwiotlbPool.MaxMappingSize));
        Assert.Equal(256, pool.HighWater);
    }

    [Fact]
    public void Release_MergesWithNeighbours_ToTheSegmentRun()
    {
        var pool = new SwiotlbPool(Base, 256UL << 10);
        var a = pool.Allocate(0, 2048 * 10);
        var b = pool.Allocate(0, 2048 * 10);
        var c = pool.Allocate(0, 2048 * 10);
        pool.Release(b);
        Assert.Equal(10, pool.FreeRun(b));
        pool.Release(a);
        Assert.Equal(20, pool.FreeRun(a));
        pool.Release(c);
        Assert.Equal(128, pool.FreeRun(0));
        Assert.Equal(0, pool.Used);
    }

    [Fact]
    public void Release_NotAMappingStart_Throws()
    {
        var pool = new SwiotlbPool(Base, 256UL << 10);
        var a = pool.Allocate(0, 2048 * 4);
        Assert.Throws<InvalidOperationException>(() => pool.Release(a + 1));
        Assert.Throws<InvalidOperationException>(() => pool.Release(a + 8));
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(4, 12)]
    public void RandomTraffic_FreeCountsMatchOccupancy_AndAllocationSucceedsExactlyWhenARunExists(int areas, int seed)
    {
        var pool = new SwiotlbPool(Base, 2UL << 20, areas);
        var used = new bool[pool.Slots];
        var live = new List<(int Index, int Slots)>();
        var random = new Random(seed);
        for (var step = 0; step < 2000; step++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                var victim = live[random.Next(live.Count)];
                live.Remove(victim);
                pool.Release(victim.Index);
                for (var i = 0; i < victim.Slots; i++)
                {
                    used[victim.Index + i] = false;
                }
            }
            else
            {
                var size = random.Next(4) == 0 ? random.Next(4096, SwiotlbPool.MaxMappingSize + 1) : random.Next(1, 4096);
                var slots = (size + 2047) / 2048;
                var possible = RunExists(pool, used, slots, size >= 4096, areas);
                var index = pool.Allocate((ulong)random.Next() << 3, size, cpu: random.Next(areas));
                Assert.Equal(possible, index >= 0);
                if (index >= 0)
                {
                    Assert.Equal(index / 128, (index + slots - 1) / 128);
                    for (var i = 0; i < slots; i++)
                    {
                        Assert.False(used[index + i], "slots handed out twice");
                        used[index + i] = true;
                    }

                    live.Add((index, slots));
                }
            }

            AssertFreeCounts(pool, used);
            Assert.Equal(used.Count(u => u), pool.Used);
        }
    }

    /// <summary>Linux's meaning of a slot's <c>list</c>: free slots from it up to the next used slot or the segment end.</summary>
    private static void AssertFreeCounts(SwiotlbPool pool, bool[] used)
    {
        var run = 0;
        for (var i = pool.Slots - 1; i >= 0; i--)
        {
            run = used[i] ? 0 : ((i + 1) % 128 == 0 ? 0 : run) + 1;
            if (run != pool.FreeRun(i))
            {
                Assert.Fail($"slot {i}: free count {pool.FreeRun(i)}, occupancy says {run}");
            }
        }
    }

    /// <summary>Is there any aligned start whose run of free slots inside one segment and one area is long enough?</summary>
    private static bool RunExists(SwiotlbPool pool, bool[] used, int slots, bool pageAligned, int areas)
    {
        var areaSlots = pool.Slots / areas;
        var run = 0;
        for (var i = pool.Slots - 1; i >= 0; i--)
        {
            var boundary = (i + 1) % 128 == 0 || (i + 1) % areaSlots == 0;
            run = used[i] ? 0 : (boundary ? 0 : run) + 1;
            if (run >= slots && (!pageAligned || i % 2 == 0))
            {
                return true;
            }
        }

        return false;
    }
}
