using SevTio.Hw.Device;
using SevTio.Hw.Platform;
using SevTio.TestSupport.HwOnly;

namespace SevTio.EndToEnd.Tests.Dma;

/// <summary>
/// Real bytes through real cryptography, end to end: random data DMA'd by the device lands byte for byte in the guest's
/// view of its private memory while the host's view of those pages is ciphertext; data the guest wrote is read by the
/// device byte for byte. Both fidelity levels, one and two worker threads; and the T=0 shared path with IDE off.
/// </summary>
public sealed class DmaDataPathTests
{
    private const int Bytes = 256 << 10;

    public static TheoryData<SimulationFidelity, int, int> Modes() => new()
    {
        { SimulationFidelity.Burst, 1, 1 },
        { SimulationFidelity.Burst, 2, 1 },
        { SimulationFidelity.Burst, 2, 4 },
        { SimulationFidelity.Packet, 1, 1 },
        { SimulationFidelity.Packet, 1, 4 },
    };

    private static SevTioPlatform Platform(SimulationFidelity fidelity, int workers, int aggregation, bool ide = true) => new(new PlatformConfiguration
    {
        Fidelity = fidelity,
        Workers = workers,
        IdeEnabled = ide,
        IdeAggregation = aggregation,
        DmaWindowBytes = 1 << 20,
    });

    private static void Run(SevTioPlatform platform, GuestContext guest, DmaOpcode direction, int transferSize = 4096, bool random = false)
    {
        var driver = new DmaWorkloadDriver(guest, new DmaWorkload { Direction = direction, TransferSize = transferSize, TotalBytes = Bytes, WindowBytes = Bytes, Random = random });
        driver.Start();
        platform.Scheduler.RunWhile(() => !driver.Done);
        platform.Drain();
        Assert.Equal(driver.TotalJobs, driver.JobsCompleted);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Write_RandomData_GuestSeesItByteForByte_HostSeesCiphertext(SimulationFidelity fidelity, int workers, int aggregation)
    {
        using var platform = Platform(fidelity, workers, aggregation);
        var guest = HwOnlyBringUp.Run(platform);
        var data = new byte[Bytes];
        new Random(21).NextBytes(data);
        data.CopyTo(platform.Device.Memory.Span);

        Run(platform, guest, DmaOpcode.Write);

        var seen = new byte[Bytes];
        guest.Read(guest.WindowGpa, seen);
        Assert.Equal(data, seen);

        // The host reads the same pages raw: XEX ciphertext under the guest's key, nothing like the plaintext.
        var raw = new byte[Bytes];
        platform.Memory.Read(guest.WindowGpa, raw);
        var equalBlocks = 0;
        for (var i = 0; i < Bytes; i += 16)
        {
            equalBlocks += raw.AsSpan(i, 16).SequenceEqual(data.AsSpan(i, 16)) ? 1 : 0;
        }

        Assert.Equal(0, equalBlocks);

        // The data and the 16-byte completion record.
        Assert.Equal(Bytes + DmaCompletionRecord.Bytes, platform.RootPort.Counters.BytesWritten);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Read_GuestData_DeviceGetsItByteForByte(SimulationFidelity fidelity, int workers, int aggregation)
    {
        using var platform = Platform(fidelity, workers, aggregation);
        var guest = HwOnlyBringUp.Run(platform);
        var data = new byte[Bytes];
        new Random(22).NextBytes(data);
        guest.Write(guest.WindowGpa, data);

        Run(platform, guest, DmaOpcode.Read);

        Assert.Equal(data, platform.Device.Memory.Span[..Bytes].ToArray());
    }

    [Theory]
    [InlineData(SimulationFidelity.Burst, 100)]
    [InlineData(SimulationFidelity.Packet, 100)]
    [InlineData(SimulationFidelity.Burst, 4)]
    public void Write_UnalignedTransferSizes_StoreExactlyTheirBytes(SimulationFidelity fidelity, int transferSize)
    {
        using var platform = Platform(fidelity, 2, 1);
        var guest = HwOnlyBringUp.Run(platform);
        var before = new byte[Bytes];
        new Random(30).NextBytes(before);
        guest.Write(guest.WindowGpa, before);
        new Random(31).NextBytes(platform.Device.Memory.Span);

        var count = 1000;
        var driver = new DmaWorkloadDriver(guest, new DmaWorkload { TransferSize = transferSize, TotalBytes = transferSize * count, WindowBytes = Bytes });
        driver.Start();
        platform.Scheduler.RunWhile(() => !driver.Done);
        platform.Drain();

        var expected = before.ToArray();
        platform.Device.Memory.Span[..(transferSize * count)].CopyTo(expected);
        var seen = new byte[Bytes];
        guest.Read(guest.WindowGpa, seen);
        Assert.Equal(expected, seen);
    }

    [Theory]
    [InlineData(SimulationFidelity.Burst)]
    [InlineData(SimulationFidelity.Packet)]
    public void IdeOff_T0DmaIntoSharedPages_HostSeesPlaintext(SimulationFidelity fidelity)
    {
        using var platform = Platform(fidelity, 2, 1, ide: false);
        var guest = HwOnlyBringUp.Run(platform);
        Assert.False(guest.Private);
        var data = new byte[Bytes];
        new Random(23).NextBytes(data);
        data.CopyTo(platform.Device.Memory.Span);

        Run(platform, guest, DmaOpcode.Write, random: false);

        var raw = new byte[Bytes];
        platform.Memory.Read(guest.WindowGpa, raw);
        Assert.Equal(data, raw);
        Assert.Equal(0, platform.Iommu.Counters.TrustedTranslations);
        Assert.True(platform.Iommu.Counters.Translations > 0);
    }

    [Theory]
    [InlineData(SimulationFidelity.Burst)]
    [InlineData(SimulationFidelity.Packet)]
    public void Write_SequentialPatternWrapsTheWindow_LastPassWins(SimulationFidelity fidelity)
    {
        const int window = 64 << 10;
        using var platform = Platform(fidelity, 2, 1);
        var guest = HwOnlyBringUp.Run(platform);
        new Random(40).NextBytes(platform.Device.Memory.Span);

        // Four passes over a 64 KiB window in 4 KiB transfers, spread over three descriptors (START_INDEX continues).
        var driver = new DmaWorkloadDriver(guest, new DmaWorkload { TotalBytes = 4 * window, WindowBytes = window, JobBytes = 96 << 10 });
        driver.Start();
        platform.Scheduler.RunWhile(() => !driver.Done);
        platform.Drain();
        Assert.Equal(3, driver.JobsCompleted);

        var seen = new byte[window];
        guest.Read(guest.WindowGpa, seen);
        Assert.Equal(platform.Device.Memory.Span.Slice(3 * window, window).ToArray(), seen);
    }
}
