using System.Globalization;
using SevTio.Hw.Device;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>DESIGN.md's <c>workload.*</c>: what the driver asks the device to move.</summary>
public sealed record DmaWorkload
{
    /// <summary><c>workload.direction</c>.</summary>
    public DmaOpcode Direction { get; init; } = DmaOpcode.Write;

    /// <summary><c>workload.transfer_size</c>: bytes per DMA transfer.</summary>
    public int TransferSize { get; init; } = 4096;

    /// <summary><c>workload.total</c>: bytes moved in all (rounded up to whole transfers).</summary>
    public long TotalBytes { get; init; } = 256L << 20;

    /// <summary><c>workload.window</c>: the address window transfers land in (from the start of the DMA window).</summary>
    public ulong WindowBytes { get; init; } = 64UL << 20;

    /// <summary><c>workload.pattern=random</c>.</summary>
    public bool Random { get; init; }

    /// <summary>Seed of the random placement.</summary>
    public uint Seed { get; init; } = 1;

    /// <summary>
    /// Most bytes one descriptor describes. Descriptor, completion record and interrupt cost one round trip per job;
    /// 64 MiB jobs amortise them to well under 0.1% of a gen 5 x16 link.
    /// </summary>
    public long JobBytes { get; init; } = 64L << 20;

    /// <summary>Send an MSI-X per descriptor (the driver learns of completions from them).</summary>
    public bool Interrupts { get; init; } = true;

    /// <summary>Request T=0 DMA (a TDI in RUN refuses this).</summary>
    public bool NonTee { get; init; }

    public long TotalTransfers => (TotalBytes + TransferSize - 1) / TransferSize;

    public DmaWorkload Validate()
    {
        if (TransferSize < 1 || (uint)TransferSize > DmaDescriptor.MaxTransferSize)
        {
            throw new ParameterException("workload.transfer_size", TransferSize.ToString(CultureInfo.InvariantCulture), "must be 1 B to 1 GiB");
        }

        if ((ulong)TransferSize > WindowBytes)
        {
            throw new ParameterException("workload.transfer_size", TransferSize.ToString(CultureInfo.InvariantCulture), $"is larger than workload.window ({WindowBytes} B)");
        }

        if (TotalBytes < 1)
        {
            throw new ParameterException("workload.total", TotalBytes.ToString(CultureInfo.InvariantCulture), "must be positive");
        }

        if (JobBytes < 1)
        {
            throw new ParameterException("workload.job_bytes", JobBytes.ToString(CultureInfo.InvariantCulture), "must be positive");
        }

        return this;
    }
}
