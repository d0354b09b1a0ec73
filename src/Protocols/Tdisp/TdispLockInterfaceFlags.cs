namespace SevTio.Protocols.Tdisp;

/// <summary>LOCK_INTERFACE_REQUEST FLAGS (PCIe §11.3.8), also LOCK_INTERFACE_FLAGS_SUPPORTED of CAPABILITIES.</summary>
[Flags]
public enum TdispLockInterfaceFlags : ushort
{
    None = 0,

    /// <summary>Firmware updates are not permitted while the TDI is CONFIG_LOCKED or RUN.</summary>
    NoFwUpdate = 1 << 0,

    /// <summary>System cache line size: 0 = 64 bytes, 1 = 128 bytes.</summary>
    SystemCacheLineSize128 = 1 << 1,

    /// <summary>Lock the MSI-X table and PBA; MSI-X then uses T=1.</summary>
    LockMsix = 1 << 2,
    BindP2p = 1 << 3,

    /// <summary>ATS-translated requests are redirected to the root complex on the default stream.</summary>
    AllRequestRedirect = 1 << 4,
}
