namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// A memory BAR of a TDI as currently programmed in config space: index 0..5 (a 64-bit BAR takes the index of its
/// low half), base address, size, 64-bit and prefetchable flags, whether the device designates it non-TEE (host
/// owned, e.g. a doorbell page), or the expansion ROM (checked for overlap, never reported).
/// </summary>
public readonly record struct TdiBar(int Index, ulong Base, ulong Size, bool Is64Bit = false, bool Prefetchable = false, bool IsNonTeeMemory = false, bool IsExpansionRom = false)
{
    public ulong End => Base + Size;
}
