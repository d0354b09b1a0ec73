namespace SevTio.Hw.Device;

/// <summary>
/// What the device hardware's TDI enforcement (<see cref="TdiGate"/>) needs to know about its TDI: the state, the
/// stream bound at LOCK, whether the MSI-X table was locked, and which MMIO is TEE memory. The device's security
/// manager firmware owns these facts (its <c>ITdiSecurityState</c> adapts to this in the composition); without TDISP,
/// <see cref="TdiEnforcementState"/> holds them.
/// </summary>
public interface ITdiEnforcement
{
    TdiSecurityState State { get; }

    /// <summary>The default IDE stream bound at LOCK; null while CONFIG_UNLOCKED.</summary>
    byte? BoundStreamId { get; }

    /// <summary>LOCK_INTERFACE had LOCK_MSIX: in RUN, MSI-X then goes with T=1 (PCIe §11.2.1).</summary>
    bool MsixLocked { get; }

    /// <summary>True when the byte at <paramref name="offsetInBar"/> of BAR <paramref name="barIndex"/> lies in a reported TEE range.</summary>
    bool IsTeeMmio(int barIndex, ulong offsetInBar);
}
