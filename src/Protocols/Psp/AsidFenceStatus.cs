using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>DMA fence state of an ASID (<c>TIO_FENCE_DMA_STATUS_*</c>, bits 1:0 of the fence status).</summary>
public enum DmaFenceStatus : byte
{
    NotFenced = 0,

    /// <summary>Fenced because of an error (e.g. a TDI left RUN).</summary>
    ErrorFenced = 1,
    Reserved = 2,

    /// <summary>Fenced by default (no TDI of this guest has been started).</summary>
    DefaultFenced = 3,
}

/// <summary>MMIO fence state of an ASID (<c>TIO_FENCE_MMIO_STATUS_*</c>, bits 3:2 of the fence status).</summary>
public enum MmioFenceStatus : byte
{
    NotFenced = 0,
    Reserved1 = 1,
    Reserved2 = 2,
    Fenced = 3,
}

/// <summary>
/// The u64 TIO_ASID_FENCE_STATUS writes (sev-dev-tio.c <c>TIO_FENCE_*_STATUS_MASK</c>): bits 1:0 DMA, bits 3:2 MMIO,
/// bits 63:4 reserved. The reserved encodings 2 (DMA) and 1, 2 (MMIO) are representable; Linux treats them as fenced.
/// </summary>
public readonly record struct AsidFenceStatus(DmaFenceStatus Dma, MmioFenceStatus Mmio) : IPspOutputStructure<AsidFenceStatus>
{
    public const int Size = 8;

    public const ulong DmaMask = 0x3;
    public const ulong MmioMask = 0xC;
    public const int MmioShift = 2;
    public const ulong ReservedMask = ~0xFul;

    private const string Message = "PSP.TIO_ASID_FENCE_STATUS.status";

    static int IPspOutputStructure<AsidFenceStatus>.EncodedSize => Size;

    public bool DmaFenced => Dma != DmaFenceStatus.NotFenced;

    public bool MmioFenced => Mmio != MmioFenceStatus.NotFenced;

    public ulong ToUInt64() => (ulong)Dma | ((ulong)Mmio << MmioShift);

    public int Encode(Span<byte> destination)
    {
        if ((byte)Dma > 3 || (byte)Mmio > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(Dma), "fence states are 2-bit fields");
        }

        WireChecks.RequireDestination(destination, Size);
        var writer = new WireWriter(destination);
        writer.WriteUInt64(ToUInt64());
        return Size;
    }

    public static AsidFenceStatus Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, Message);
        var value = reader.ReadUInt64("status");
        WireChecks.ReadReservedBits(ref reader, value, ReservedMask, "status");
        return new AsidFenceStatus((DmaFenceStatus)(value & DmaMask), (MmioFenceStatus)((value & MmioMask) >> MmioShift));
    }
}
