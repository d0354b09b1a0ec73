namespace SevTio.Hw.Device;

/// <summary>
/// A settable <see cref="ITdiEnforcement"/>: CONFIG_UNLOCKED by default (a device without TDISP), or whatever a
/// platform bring-up step or a test sets until the TDISP responder drives the state.
/// </summary>
public sealed class TdiEnforcementState : ITdiEnforcement
{
    public TdiSecurityState State { get; set; } = TdiSecurityState.ConfigUnlocked;

    public byte? BoundStreamId { get; set; }

    public bool MsixLocked { get; set; }

    /// <summary>BARs whose whole range is TEE MMIO while the TDI is locked or running (bit n = BAR n).</summary>
    public int TeeBarMask { get; set; }

    public bool IsTeeMmio(int barIndex, ulong offsetInBar) =>
        State is TdiSecurityState.ConfigLocked or TdiSecurityState.Run && (uint)barIndex < 6 && (TeeBarMask & (1 << barIndex)) != 0;

    /// <summary>Puts the TDI in RUN bound to <paramref name="streamId"/> (what LOCK and START would leave behind).</summary>
    public void SetRun(byte streamId, int teeBarMask, bool msixLocked = false)
    {
        BoundStreamId = streamId;
        TeeBarMask = teeBarMask;
        MsixLocked = msixLocked;
        State = TdiSecurityState.Run;
    }
}
