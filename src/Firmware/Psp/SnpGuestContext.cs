using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The PSP's guest context (made by SNP_GCTX_CREATE in a firmware page): the ASID bound by SNP_ACTIVATE, the four
/// VMPCKs that authenticate guest messages (delivered only through the guest's secrets page), the next message
/// sequence number the PSP accepts per VMPCK, and the guest's DMA/MMIO fences per device.
/// </summary>
internal sealed class SnpGuestContext
{
    public SnpGuestContext(ulong address, byte[][] vmpcks)
    {
        Address = address;
        Vmpcks = vmpcks;
        for (var i = 0; i < NextSequence.Length; i++)
        {
            NextSequence[i] = 1;
        }
    }

    /// <summary>System physical address of the guest context page (gctx_paddr).</summary>
    public ulong Address { get; }

    /// <summary>0 until SNP_ACTIVATE.</summary>
    public int Asid { get; set; }

    public bool Decommissioned { get; set; }

    /// <summary>VMPCK0..3, 32 bytes each: firmware-internal, never written outside the guest's private secrets page.</summary>
    public byte[][] Vmpcks { get; }

    /// <summary>Sequence number the next request under each VMPCK must carry (SNP: request = last response + 1).</summary>
    public ulong[] NextSequence { get; } = new ulong[4];

    /// <summary>Guest messages answered.</summary>
    public long MessagesAnswered { get; set; }
}

/// <summary>DMA and MMIO fence state of one guest ASID toward one device.</summary>
internal sealed class AsidFence
{
    public DmaFenceStatus Dma { get; set; } = DmaFenceStatus.DefaultFenced;

    public MmioFenceStatus Mmio { get; set; } = MmioFenceStatus.NotFenced;
}
