using SevTio.Hw.Memory;

namespace SevTio.Hw.Tests.Memory;

public sealed class PhysicalMemoryTests
{
    private const ulong Page = 4096;

    [Fact]
    public void Read_UntouchedMemory_ReturnsZerosWithoutAllocatingFrames()
    {
        var memory = new PhysicalMemory(1UL << 30);
        var buffer = new byte[10_000];
        Array.Fill(buffer, (byte)0xAA);

        memory.Read(0x1234_5000 - 77, buffer);

        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.Equal(0, memory.TouchedPages);
        Assert.Equal(0, memory.AllocatedBytes);
    }

    [Fact]
    public void WriteThenRead_RangeCrossingPages_RoundTripsAndTouchesOnlyThosePages()
    {
        var memory = new PhysicalMemory(1UL << 30);
        var data = new byte[3 * 4096 + 100];
        new Random(7).NextBytes(data);
        const ulong address = 0x2000_0000 - 50; // starts 50 bytes before a page boundary

        memory.Write(address, data);
        var back = new byte[data.Length];
        memory.Read(address, back);

        Assert.Equal(data, back);
        // Pages touched: the one holding the first 50 bytes, then ceil((12388 - 50) / 4096) = 4 more.
        Assert.Equal(5, memory.TouchedPages);
        Assert.True(memory.IsTouched(address));
        Assert.False(memory.IsTouched(address - 4096));
    }

    [Fact]
    public void GetWritableSpan_WriteThroughSpan_IsVisibleToReads()
    {
        var memory = new PhysicalMemory(2UL << 20);
        var span = memory.GetWritableSpan(0x1100, 256);
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)i;
        }

        var back = new byte[256];
        memory.Read(0x1100, back);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), back);
        Assert.True(memory.GetReadableSpan(0x1100, 256).SequenceEqual(back));
    }

    [Fact]
    public void GetWritableSpan_CrossingAPage_Throws()
    {
        var memory = new PhysicalMemory(2UL << 20);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.GetWritableSpan(Page - 8, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.GetReadableSpan(2UL << 20, 1));
    }

    [Fact]
    public void Write_BeyondTheEnd_ThrowsAndWritesNothing()
    {
        var memory = new PhysicalMemory(2UL << 20);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write((2UL << 20) - 4, new byte[8]));
        Assert.Equal(0, memory.TouchedPages);
    }

    [Fact]
    public void TryGetFrame_UntouchedThenTouched_FindsThePageBytesOnlyOnceTouched()
    {
        var memory = new PhysicalMemory(1UL << 30);
        const ulong address = (5 * Page) + 24;
        Assert.False(memory.TryGetFrame(address / Page, out _, out _));

        memory.WriteUInt64(address, 0x1122_3344_5566_7788);

        Assert.True(memory.TryGetFrame(address / Page, out var slab, out var offset));
        Assert.Equal(0x1122_3344_5566_7788UL, BitConverter.ToUInt64(slab, offset + 24));
        memory.WriteUInt64(address, 42);
        Assert.Equal(42UL, BitConverter.ToUInt64(slab, offset + 24)); // the frame is the page's storage, not a copy
    }

    [Fact]
    public void ReadUInt64_IsLittleEndian()
    {
        var memory = new PhysicalMemory(2UL << 20);
        memory.Write(0x40, [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
        Assert.Equal(0x0807060504030201UL, memory.ReadUInt64(0x40));
        memory.WriteUInt64(0x48, 0x1122334455667788UL);
        var bytes = new byte[8];
        memory.Read(0x48, bytes);
        Assert.Equal(new byte[] { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }, bytes);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4096UL)] // not a multiple of 2 MiB
    [InlineData((1UL << 40) + (2UL << 20))] // above 1 TiB
    public void Constructor_BadSize_Throws(ulong size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(size));

    [Fact]
    public void Clear_UntouchedPages_StayUntouched()
    {
        var memory = new PhysicalMemory(4UL << 20);
        memory.Write(0x3000, [1, 2, 3]);
        memory.Clear(0, 4UL << 20);
        Assert.Equal(1, memory.TouchedPages);
        Assert.Equal(0UL, memory.ReadUInt64(0x3000));
    }
}

[CollectionDefinition(nameof(HostMemoryMeasurement), DisableParallelization = true)]
public sealed class HostMemoryMeasurement;

/// <summary>Measures host heap growth, so it runs alone (other tests allocating in parallel would blur the figure).</summary>
[Collection(nameof(HostMemoryMeasurement))]
public sealed class PhysicalMemorySparsityTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void Touch1GiBOf1TiB_HostMemoryGrowsByAbout1GiB()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var memory = new PhysicalMemory(1UL << 40);
        var afterCreate = GC.GetTotalMemory(forceFullCollection: true);

        // 512 runs of 2 MiB spread evenly over the 1 TiB space (one every 2 GiB): 1 GiB of 4 KiB pages, each written.
        const ulong stride = 2UL << 30;
        for (var run = 0UL; run < 512; run++)
        {
            var start = run * stride + (run % 7) * (2UL << 20);
            for (var page = 0UL; page < 512; page++)
            {
                memory.WriteUInt64(start + page * 4096 + 8 * (page % 512), run * 512 + page + 1);
            }
        }

        var afterTouch = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(memory);

        Assert.Equal(262_144, memory.TouchedPages);
        Assert.Equal(GiB, memory.AllocatedBytes);
        // An empty 1 TiB space costs its 4 MiB directory, not the address space.
        Assert.InRange(afterCreate - before, 0, 8L << 20);
        // 1 GiB of frames plus one 2 KiB leaf per touched 2 MiB region; allow 5% for heap bookkeeping.
        Assert.InRange(afterTouch - afterCreate, GiB, GiB + GiB / 20);
        // A value written in the middle reads back from the right frame.
        Assert.Equal(100UL * 512 + 3 + 1, memory.ReadUInt64(100 * stride + (100 % 7) * (2UL << 20) + 3 * 4096 + 24));
    }
}
