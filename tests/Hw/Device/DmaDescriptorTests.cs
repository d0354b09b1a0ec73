using System.Buffers.Binary;
using SevTio.Hw.Device;
using SevTio.Hw.Platform;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>The descriptor's byte layout, the engine's checks of it, and where a job's transfers land.</summary>
public sealed class DmaDescriptorTests
{
    private static readonly DmaDescriptor Sample = new(DmaOpcode.Read, DmaDescriptorFlags.RandomPattern | DmaDescriptorFlags.Interrupt, 3,
        1000, 4096, 0xDEADBEEF, 0x1_0000_0000, 64 << 20, 0x2000, 0x10_1000, 0x1122_3344_5566_7788, 12345);

    [Fact]
    public void Write_PutsEveryFieldAtItsDocumentedOffset()
    {
        var b = Sample.ToArray();

        Assert.Equal(64, b.Length);
        Assert.Equal(2, b[0]);
        Assert.Equal(0b11, b[1]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(2)));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)));
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)));
        Assert.Equal(0xDEADBEEFu, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12)));
        Assert.Equal(0x1_0000_0000UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(16)));
        Assert.Equal(64UL << 20, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24)));
        Assert.Equal(0x2000UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32)));
        Assert.Equal(0x10_1000UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(40)));
        Assert.Equal(0x1122_3344_5566_7788UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(48)));
        Assert.Equal(12345UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(56)));
    }

    [Fact]
    public void TryRead_RoundTrips()
    {
        Assert.Equal(DmaStatus.Success, DmaDescriptor.TryRead(Sample.ToArray(), out var back));
        Assert.Equal(Sample, back);
    }

    [Theory]
    [InlineData(0, 1u, 64u, 4096UL)] // no such opcode
    [InlineData(3, 1u, 64u, 4096UL)]
    [InlineData(1, 0u, 64u, 4096UL)] // no transfers
    [InlineData(1, 1u, 0u, 4096UL)] // empty transfers
    [InlineData(1, 1u, 8192u, 4096UL)] // window smaller than a transfer
    [InlineData(1, 1u, (1u << 30) + 1, 1UL << 31)] // transfer above 1 GiB
    public void TryRead_UnexecutableDescriptor_IsInvalid_NeverThrows(byte opcode, uint count, uint size, ulong window)
    {
        var d = Sample with { Opcode = (DmaOpcode)opcode, Count = count, Size = size, WindowSize = window };
        Assert.Equal(DmaStatus.InvalidDescriptor, DmaDescriptor.TryRead(d.ToArray(), out _));
        Assert.Equal(DmaStatus.InvalidDescriptor, DmaDescriptor.TryRead(new byte[10], out _));
    }

    [Fact]
    public void Job_Sequential_ContinuesFromStartIndexAndWrapsTheWindow()
    {
        var d = new DmaDescriptor(DmaOpcode.Write, 0, 0, 10, 1024, 0, 0x1000_0000, 4096, 0, 0, 0, StartIndex: 2);
        var job = new DmaJob(d, 0, 1 << 20);

        // 4 slots of 1 KiB: transfer i uses slot (2 + i) mod 4.
        Assert.Equal(new ulong[] { 0x1000_0800, 0x1000_0C00, 0x1000_0000, 0x1000_0400, 0x1000_0800 }, Enumerable.Range(0, 5).Select(i => job.AddressOf(i)).ToArray());
        Assert.Equal(3 * 1024, new DmaJob(d with { DeviceOffset = 1024 }, 0, 1 << 20).DeviceOffsetOf(2));
        Assert.Equal(0, new DmaJob(d with { DeviceOffset = (1 << 20) - 2048 }, 0, 1 << 20).DeviceOffsetOf(2)); // device memory wraps
    }

    [Fact]
    public void Job_Random_StaysInWindowOnSlotBoundaries_IsDeterministic_AndSpreads()
    {
        var d = new DmaDescriptor(DmaOpcode.Write, DmaDescriptorFlags.RandomPattern, 0, 4096, 512, 42, 0x1_0000_0000, 1 << 20, 0, 0, 0);
        var a = new DmaJob(d, 0, 1 << 20);
        var b = new DmaJob(d, 7, 1 << 20);
        var slots = new HashSet<ulong>();
        for (var i = 0; i < 4096; i++)
        {
            var address = a.AddressOf(i);
            Assert.Equal(address, b.AddressOf(i));
            Assert.InRange(address, d.WindowBase, d.WindowBase + d.WindowSize - d.Size);
            Assert.Equal(0UL, (address - d.WindowBase) % d.Size);
            slots.Add(address);
        }

        // 4096 draws from 2048 slots: a uniform hash leaves about 2048 × e^-2 ≈ 277 untouched.
        Assert.InRange(slots.Count, 1650, 1900);

        // A descriptor continuing the sequence (START_INDEX) draws the same addresses.
        var continued = new DmaJob(d with { StartIndex = 100 }, 0, 1 << 20);
        Assert.Equal(a.AddressOf(100), continued.AddressOf(0));
        Assert.NotEqual(a.AddressOf(0), new DmaJob(d with { Seed = 43 }, 0, 1 << 20).AddressOf(0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Engine_InvalidDescriptor_CompletesWithInvalidDescriptorStatus_MovesNothing(bool packet)
    {
        using var platform = new SevTioPlatform(DmaRun.Config(packet: packet));
        var guest = HwOnlyBringUp.Run(platform);
        var bad = new DmaDescriptor(DmaOpcode.Write, DmaDescriptorFlags.Interrupt, 0, 1, 8192, 0, guest.WindowGpa, 4096, 0, guest.CompletionGpa, 77);
        guest.WriteDescriptor(0, bad);
        guest.WriteRegister(0x24, 1);
        platform.Scheduler.RunUntilIdle();

        var record = guest.ReadCompletion(0);
        Assert.Equal(DmaStatus.InvalidDescriptor, record.Status);
        Assert.Equal(77UL, record.Cookie);
        Assert.Equal(0u, record.TransfersCompleted);
        Assert.Equal(DmaStatus.InvalidDescriptor, platform.Device.Dma.LastStatus);
        Assert.Equal(1, platform.Interrupts.Delivered);
        Assert.Equal(0, platform.DmaStatistics.Bytes);
    }
}
