namespace SevTio.Hw.Device;

/// <summary>
/// A memory BAR of the device as programmed now (index of its low half, base, size, flags), and whether the device
/// designates it non-TEE memory (reported IS_NON_TEE_MEM) — what a TDISP responder reports and checks at LOCK.
/// </summary>
public readonly record struct DeviceBar(int Index, ulong Base, ulong Size, bool Is64Bit, bool Prefetchable, bool IsNonTeeMemory);
