namespace SevTio.Protocols.Tsm;

/// <summary>
/// TDISP LOCK_INTERFACE_REQUEST flags (PCIe r7.0 §11.3.8) as SEV-TIO carries them in TIO_TDI_BIND
/// (u16 <c>tdisp_lock_if_flags</c>), the TDI_INFO output (u32 <c>p2_flags</c>) and TIO_MSG_TDI_INFO_RSP.
/// Bits 31:5 are reserved.
/// </summary>
[Flags]
public enum TdispLockFlags : uint
{
    None = 0,

    /// <summary>NO_FW_UPDATE: no device firmware update while the interface is CONFIG_LOCKED or RUN.</summary>
    NoFirmwareUpdate = 1u << 0,

    /// <summary>CACHE_LINE_SIZE: 0 = 64-byte, 1 = 128-byte system cache line (TIO_TDI_BIND: must be 0).</summary>
    CacheLineSize128 = 1u << 1,

    /// <summary>LOCK_MSIX: lock the MSI-X table and PBA.</summary>
    LockMsix = 1u << 2,

    /// <summary>BIND_P2P: allow direct peer-to-peer (SEV-TIO: must be 0).</summary>
    BindP2p = 1u << 3,

    /// <summary>ALL_REQUEST_REDIRECT: ATS-translated requests are routed through the root complex.</summary>
    AllRequestRedirect = 1u << 4,
}

/// <summary>Masks for <see cref="TdispLockFlags"/>.</summary>
public static class TdispLockFlagBits
{
    /// <summary>Every defined bit; anything else is reserved.</summary>
    public const uint Defined = 0x1F;
}
