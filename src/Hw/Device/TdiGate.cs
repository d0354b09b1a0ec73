namespace SevTio.Hw.Device;

/// <summary>
/// TDI enforcement in the device hardware (PCIe TDISP §11.2.1; reference §4.3), the one place the device decides
/// what it may issue and accept. Every request the DMA engine issues, every completion it uses and every MMIO access
/// it serves asks here; the facts come from <see cref="ITdiEnforcement"/> (the TDISP responder's state).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Requests (MSI/MSI-X excepted) only in RUN, with T=1, on the bound stream; in CONFIG_UNLOCKED ordinary T=0
/// requests; nothing in CONFIG_LOCKED or ERROR.</item>
/// <item>MSI-X: T=0 in CONFIG_UNLOCKED and CONFIG_LOCKED; in RUN T=1 only if the table was locked (LOCK_MSIX), else
/// T=0; nothing in ERROR.</item>
/// <item>Completions are used only while the TDI is still in the state the request was issued in (RUN for T=1).</item>
/// <item>TEE MMIO is served only for T=1 requests on the bound stream while in RUN.</item>
/// </list>
/// Counting is in plain fields (the hot path asks once per transfer or TLP).
/// </remarks>
public sealed class TdiGate
{
    private ITdiEnforcement _tdi;

    public TdiGate(ITdiEnforcement tdi)
    {
        ArgumentNullException.ThrowIfNull(tdi);
        _tdi = tdi;
    }

    /// <summary>The TDI facts asked (the composition replaces them with the TDISP responder's adapter).</summary>
    public ITdiEnforcement Tdi
    {
        get => _tdi;
        set => _tdi = value ?? throw new ArgumentNullException(nameof(value));
    }

    public TdiSecurityState State => _tdi.State;

    /// <summary>DMA requests refused.</summary>
    public long DmaRefusals { get; private set; }

    /// <summary>MSI-X messages not sent because of the TDI state.</summary>
    public long MsixRefusals { get; private set; }

    /// <summary>Read completions discarded because the TDI left the state its request was issued in.</summary>
    public long CompletionsDiscarded { get; private set; }

    /// <summary>MMIO accesses refused (TEE MMIO without T=1 from a RUN TDI on the bound stream).</summary>
    public long MmioRefusals { get; private set; }

    /// <summary>
    /// May the device issue a DMA request now? <paramref name="nonTeeRequested"/> is a driver's request for T=0 (shared
    /// path) DMA; <paramref name="transmitStreamId"/> is the Selective IDE stream the request would travel on (null
    /// when it would go without IDE).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public DmaGrant CheckDmaRequest(bool nonTeeRequested, byte? transmitStreamId)
    {
        var grant = _tdi.State switch
        {
            TdiSecurityState.ConfigUnlocked => new DmaGrant(TdiRefusal.None, false),
            TdiSecurityState.Run when nonTeeRequested => DmaGrant.Refused(TdiRefusal.NonTeeRequestInRun),
            TdiSecurityState.Run when transmitStreamId is null || transmitStreamId != _tdi.BoundStreamId => DmaGrant.Refused(TdiRefusal.NotOnBoundStream),
            TdiSecurityState.Run => new DmaGrant(TdiRefusal.None, true),
            TdiSecurityState.Error => DmaGrant.Refused(TdiRefusal.TdiInError),
            _ => DmaGrant.Refused(TdiRefusal.NotInRun),
        };
        if (!grant.Allowed)
        {
            DmaRefusals++;
        }

        return grant;
    }

    /// <summary>May the device send an MSI-X message now, and with which T bit?</summary>
    public DmaGrant CheckMsix(byte? transmitStreamId)
    {
        var grant = _tdi.State switch
        {
            TdiSecurityState.ConfigUnlocked or TdiSecurityState.ConfigLocked => new DmaGrant(TdiRefusal.None, false),
            TdiSecurityState.Run when !_tdi.MsixLocked => new DmaGrant(TdiRefusal.None, false),
            TdiSecurityState.Run when transmitStreamId is null || transmitStreamId != _tdi.BoundStreamId => DmaGrant.Refused(TdiRefusal.NotOnBoundStream),
            TdiSecurityState.Run => new DmaGrant(TdiRefusal.None, true),
            _ => DmaGrant.Refused(TdiRefusal.TdiInError),
        };
        if (!grant.Allowed)
        {
            MsixRefusals++;
        }

        return grant;
    }

    /// <summary>
    /// May the device use a read completion for a request issued with T = <paramref name="requestWasTee"/>? Only while
    /// the TDI is still in RUN (T=1) or still CONFIG_UNLOCKED (T=0); the completion's own T bit is ignored (§11.2.1).
    /// </summary>
    public bool AcceptCompletion(bool requestWasTee)
    {
        var state = _tdi.State;
        var ok = requestWasTee ? state == TdiSecurityState.Run : state == TdiSecurityState.ConfigUnlocked;
        if (!ok)
        {
            CompletionsDiscarded++;
        }

        return ok;
    }

    /// <summary>May an MMIO request to <paramref name="offsetInBar"/> of BAR <paramref name="barIndex"/> be served?</summary>
    public TdiRefusal CheckMmio(int barIndex, ulong offsetInBar, bool teeOriginated, byte? streamId)
    {
        if (!_tdi.IsTeeMmio(barIndex, offsetInBar))
        {
            return TdiRefusal.None;
        }

        if (teeOriginated && _tdi.State == TdiSecurityState.Run && streamId is not null && streamId == _tdi.BoundStreamId)
        {
            return TdiRefusal.None;
        }

        MmioRefusals++;
        return TdiRefusal.TeeMmioAccessDenied;
    }
}
