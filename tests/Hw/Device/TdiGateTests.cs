using SevTio.Hw.Device;

namespace SevTio.Hw.Tests.Device;

/// <summary>The TDI enforcement rules of PCIe TDISP §11.2.1 (reference §4.3), one row per rule.</summary>
public sealed class TdiGateTests
{
    private const byte Bound = 1;

    public static TheoryData<TdiSecurityState, bool, byte?, TdiRefusal, bool> DmaRules() => new()
    {
        // CONFIG_UNLOCKED: ordinary T=0 DMA, whatever the driver asked and whatever stream.
        { TdiSecurityState.ConfigUnlocked, false, null, TdiRefusal.None, false },
        { TdiSecurityState.ConfigUnlocked, true, Bound, TdiRefusal.None, false },

        // RUN: only T=1 on the bound stream.
        { TdiSecurityState.Run, false, Bound, TdiRefusal.None, true },
        { TdiSecurityState.Run, true, Bound, TdiRefusal.NonTeeRequestInRun, false },
        { TdiSecurityState.Run, false, 2, TdiRefusal.NotOnBoundStream, false },
        { TdiSecurityState.Run, false, null, TdiRefusal.NotOnBoundStream, false },

        // CONFIG_LOCKED and ERROR: no DMA requests.
        { TdiSecurityState.ConfigLocked, false, Bound, TdiRefusal.NotInRun, false },
        { TdiSecurityState.Error, false, Bound, TdiRefusal.TdiInError, false },
    };

    [Theory]
    [MemberData(nameof(DmaRules))]
    public void CheckDmaRequest_FollowsTdispDmaRules(TdiSecurityState state, bool nonTee, byte? stream, TdiRefusal refusal, bool tee)
    {
        var gate = new TdiGate(new TdiEnforcementState { State = state, BoundStreamId = state == TdiSecurityState.ConfigUnlocked ? null : Bound });

        var grant = gate.CheckDmaRequest(nonTee, stream);

        Assert.Equal(refusal, grant.Refusal);
        Assert.Equal(tee, grant.TeeOriginated);
        Assert.Equal(refusal == TdiRefusal.None ? 0 : 1, gate.DmaRefusals);
    }

    [Theory]
    [InlineData(TdiSecurityState.ConfigUnlocked, false, true, false)]
    [InlineData(TdiSecurityState.ConfigLocked, false, true, false)]
    [InlineData(TdiSecurityState.ConfigLocked, true, true, false)]
    [InlineData(TdiSecurityState.Run, false, true, false)]
    [InlineData(TdiSecurityState.Run, true, true, true)]
    [InlineData(TdiSecurityState.Error, false, false, false)]
    public void CheckMsix_T0UnlessTableLockedInRun_NothingInError(TdiSecurityState state, bool msixLocked, bool allowed, bool tee)
    {
        var gate = new TdiGate(new TdiEnforcementState { State = state, BoundStreamId = Bound, MsixLocked = msixLocked });

        var grant = gate.CheckMsix(Bound);

        Assert.Equal(allowed, grant.Allowed);
        Assert.Equal(tee, grant.TeeOriginated);
    }

    [Theory]
    [InlineData(true, TdiSecurityState.Run, true)]
    [InlineData(true, TdiSecurityState.Error, false)]
    [InlineData(true, TdiSecurityState.ConfigUnlocked, false)]
    [InlineData(false, TdiSecurityState.ConfigUnlocked, true)]
    [InlineData(false, TdiSecurityState.ConfigLocked, false)]
    public void AcceptCompletion_OnlyWhileTdiStaysInTheRequestsState(bool requestWasTee, TdiSecurityState now, bool accepted)
    {
        var gate = new TdiGate(new TdiEnforcementState { State = now, BoundStreamId = Bound });

        Assert.Equal(accepted, gate.AcceptCompletion(requestWasTee));
        Assert.Equal(accepted ? 0 : 1, gate.CompletionsDiscarded);
    }

    [Theory]
    [InlineData(TdiSecurityState.Run, true, Bound, TdiRefusal.None)]
    [InlineData(TdiSecurityState.Run, false, Bound, TdiRefusal.TeeMmioAccessDenied)]
    [InlineData(TdiSecurityState.Run, true, (byte)2, TdiRefusal.TeeMmioAccessDenied)]
    [InlineData(TdiSecurityState.ConfigLocked, true, Bound, TdiRefusal.TeeMmioAccessDenied)]
    [InlineData(TdiSecurityState.ConfigUnlocked, false, null, TdiRefusal.None)]
    public void CheckMmio_TeeRangeOnlyForT1OnBoundStreamInRun(TdiSecurityState state, bool tee, byte? stream, TdiRefusal refusal)
    {
        var tdi = new TdiEnforcementState { State = state, BoundStreamId = Bound, TeeBarMask = 1 };
        var gate = new TdiGate(tdi);

        Assert.Equal(refusal, gate.CheckMmio(0, 0x24, tee, stream));

        // A BAR that is not TEE memory is served for anyone.
        Assert.Equal(TdiRefusal.None, gate.CheckMmio(2, 0x0, teeOriginated: false, streamId: null));
    }
}
