using SevTio.Hw.Simulation;

namespace SevTio.Hw.Memory;

/// <summary>
/// Simulated cost of memory accesses at the memory controller: a fixed latency plus the transfer time at the channel
/// bandwidth, plus the inline AES engine's latency for encrypted (C-bit) accesses. Every value is a typed parameter.
/// </summary>
/// <remarks>
/// Defaults are assumptions for a single-socket Zen 4 (Genoa) host, not measurements: about 110 ns idle DRAM latency,
/// 12 channels of DDR5-4800 (12 × 38.4 GB/s = 460.8 GB/s peak), and a few nanoseconds for the inline memory-encryption
/// engine (AMD publishes no figure). Writes are modelled with the same latency as reads by default; a posted DMA write
/// is acknowledged by the fabric earlier, which the root-complex model may account for on its own.
/// </remarks>
public sealed record MemoryTiming
{
    /// <summary>Latency of a read from DRAM, first byte (<c>memory.read_latency</c>).</summary>
    public SimTime ReadLatency { get; init; } = SimTime.FromNanoseconds(110);

    /// <summary>Latency of a write to DRAM (<c>memory.write_latency</c>).</summary>
    public SimTime WriteLatency { get; init; } = SimTime.FromNanoseconds(110);

    /// <summary>Sustained bandwidth of the memory channels (<c>memory.bandwidth</c>).</summary>
    public Bandwidth Bandwidth { get; init; } = new(460.8e9);

    /// <summary>Extra latency of the inline AES-XEX engine on an encrypted access (<c>memory.encryption_latency</c>).</summary>
    public SimTime EncryptionLatency { get; init; } = SimTime.FromNanoseconds(5);

    /// <summary>Throws <see cref="ParameterException"/> if a value is unusable.</summary>
    public MemoryTiming Validate()
    {
        if (ReadLatency < SimTime.Zero)
        {
            throw new ParameterException("memory.read_latency", ReadLatency.ToString(), "must not be negative");
        }

        if (WriteLatency < SimTime.Zero)
        {
            throw new ParameterException("memory.write_latency", WriteLatency.ToString(), "must not be negative");
        }

        if (!(Bandwidth.BytesPerSecond > 0) || double.IsInfinity(Bandwidth.BytesPerSecond))
        {
            throw new ParameterException("memory.bandwidth", Bandwidth.ToString(), "must be a positive bandwidth");
        }

        if (EncryptionLatency < SimTime.Zero)
        {
            throw new ParameterException("memory.encryption_latency", EncryptionLatency.ToString(), "must not be negative");
        }

        return this;
    }

    /// <summary>Simulated time to read <paramref name="bytes"/> bytes in one access.</summary>
    /// <param name="bytes">Bytes transferred.</param>
    /// <param name="encrypted">True for a private (C-bit) access that passes through the AES engine.</param>
    public SimTime ReadCost(long bytes, bool encrypted = false) =>
        ReadLatency + Bandwidth.TimeFor(bytes) + (encrypted ? EncryptionLatency : SimTime.Zero);

    /// <summary>Simulated time to write <paramref name="bytes"/> bytes in one access.</summary>
    /// <param name="bytes">Bytes transferred.</param>
    /// <param name="encrypted">True for a private (C-bit) access that passes through the AES engine.</param>
    public SimTime WriteCost(long bytes, bool encrypted = false) =>
        WriteLatency + Bandwidth.TimeFor(bytes) + (encrypted ? EncryptionLatency : SimTime.Zero);

    /// <summary>Occupancy of the channels by a transfer, without latency: what limits back-to-back streaming accesses.</summary>
    public SimTime TransferTime(long bytes) => Bandwidth.TimeFor(bytes);
}
