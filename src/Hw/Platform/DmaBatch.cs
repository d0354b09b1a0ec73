using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Platform;

/// <summary>What a batch's TLPs are and who consumes them on the far side of the link.</summary>
internal enum DmaBatchKind : byte
{
    /// <summary>Device → host write TLPs: the root port verifies and stores them.</summary>
    Writes,

    /// <summary>Host → device completions: the device verifies them and copies their data into device memory.</summary>
    Completions,

}

/// <summary>
/// A run of TLPs built and IDE-sealed by the producing side of the burst level's functional data path, with what the
/// consuming side needs per TLP (the IOMMU's decision for a write, the device-memory offset for a completion). Batches
/// end on IDE unit boundaries, so a consumer never holds a TLP of a batch it has returned. Reused, never reallocated.
/// </summary>
internal sealed class DmaBatch(int maxPayloadBytes)
{
    public const int Capacity = 528;

    /// <summary>Submit once this many TLPs are in and the last one closed its IDE unit.</summary>
    public const int SubmitThreshold = 512;

    public DmaBatchKind Kind;

    public int Count;

    /// <summary>TLP slots, created on first use, with buffers for the link's MPS.</summary>
    public readonly Tlp[] Tlps = new Tlp[Capacity];

    /// <summary>Writes: where the TLP goes (HPA of its first enabled byte, private or shared).</summary>
    public readonly IommuTranslation[] Translations = new IommuTranslation[Capacity];

    /// <summary>Completions: device-memory offset of the TLP's first data byte.</summary>
    public readonly long[] DeviceOffsets = new long[Capacity];

    /// <summary>Completions: bytes of data in the TLP.</summary>
    public readonly int[] DataBytes = new int[Capacity];

    /// <summary>False for TLPs whose data must not be used (refused writes, discarded completions, IDE Sync).</summary>
    public readonly bool[] Use = new bool[Capacity];

    /// <summary>TLPs removed on the link by an injected fault: sealed by the sender, never seen by the receiver.</summary>
    public readonly bool[] Lost = new bool[Capacity];

    public bool IsFull => Count >= Capacity;

    /// <summary>The next TLP slot; its index travels in <see cref="Tlp.Cookie"/>.</summary>
    public Tlp Next(out int index)
    {
        index = Count++;
        var tlp = Tlps[index] ??= new Tlp(maxPayloadBytes);
        tlp.Cookie = index;
        Use[index] = false;
        Lost[index] = false;
        return tlp;
    }
}
