using SevTio.Hw.Device;
using SevTio.Hw.Pcie;
using SevTio.Hw.Platform;
using SevTio.Hw.Simulation;
using SevTio.TestSupport.HwOnly;

namespace SevTio.Hw.Tests.Device;

/// <summary>One platform, brought up, with a workload run to completion: what the DMA tests inspect.</summary>
internal sealed class DmaRun : IDisposable
{
    public DmaRun(PlatformConfiguration configuration, DmaWorkload workload, Action<DmaRun>? beforeStart = null)
    {
        Platform = new SevTioPlatform(configuration);
        Guest = HwOnlyBringUp.Run(Platform);
        Driver = new DmaWorkloadDriver(Guest, workload);
        beforeStart?.Invoke(this);
        Start = Platform.Scheduler.Now;
        Driver.Start();
        Platform.Scheduler.RunWhile(() => !Driver.Done);
        Platform.Drain();
        End = Platform.Scheduler.Now;
    }

    public SevTioPlatform Platform { get; }

    public GuestContext Guest { get; }

    public DmaWorkloadDriver Driver { get; }

    public SimTime Start { get; }

    public SimTime End { get; }

    public DmaStatistics Statistics => Platform.DmaStatistics;

    /// <summary>Payload bandwidth in Gb/s over the data phase (first data issued to last data done).</summary>
    public double BandwidthGbps
    {
        get
        {
            var s = Statistics;
            return s.Bytes * 8.0 / (s.LastDataDone - s.FirstDataIssued).TotalSeconds / 1e9;
        }
    }

    public static PlatformConfiguration Config(
        int gen = 5,
        int width = 16,
        int mps = 256,
        bool ide = true,
        bool functional = true,
        bool packet = false,
        int workers = 1,
        int readTags = 32,
        ulong window = 8UL << 20,
        int mrrs = 512,
        CompletionSplitPolicy split = CompletionSplitPolicy.MaxPayload) => new()
    {
        Link = new LinkParameters { Generation = (PcieGeneration)gen, Width = width, MaxPayloadSize = mps, MaxReadRequestSize = mrrs, CompletionSplit = split },
        IdeEnabled = ide,
        Crypto = functional ? CryptoMode.Functional : CryptoMode.Timing,
        Fidelity = packet ? SimulationFidelity.Packet : SimulationFidelity.Burst,
        Workers = workers,
        ReadTags = readTags,
        DmaWindowBytes = window,
    };

    /// <summary>Random bytes (seeded) for a test's data.</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public byte[] ReadGuest(ulong gpa, int length)
    {
        var data = new byte[length];
        Guest.Read(gpa, data);
        return data;
    }

    public void Dispose() => Platform.Dispose();
}
