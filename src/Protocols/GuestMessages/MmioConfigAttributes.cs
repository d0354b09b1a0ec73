namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// Range attribute bits of TIO_MSG_MMIO_CONFIG (the same bits 3:0 as the interface report's range attributes).
/// A request may only carry <see cref="NonTeeMemory"/>.
/// </summary>
[Flags]
public enum MmioConfigAttributes : uint
{
    None = 0,
    MsixTable = 1u << 0,
    MsixPba = 1u << 1,
    NonTeeMemory = 1u << 2,
    MemoryAttributesUpdatable = 1u << 3,
}
