using SevTio.Guest;
using SevTio.Guest.Ghcb;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Psp;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;

namespace SevTio.Security.Tests.Fuzzing.Regressions;

/// <summary>
/// Found by the host GHCB exit fuzz target: a guest's SEV_TIO_OP BIND or UNBIND for a TDI assigned to it, before the
/// host had created the device at the PSP, threw InvalidOperationException ("the device is not created at the PSP")
/// out of VMGEXIT — a guest could crash the hypervisor's exit handling.
/// </summary>
public sealed class HostTioOpRegressionTests
{
    [Theory]
    [InlineData(TioOpAction.Bind, PspReturnCode.InvalidDeviceState)]
    [InlineData(TioOpAction.Unbind, PspReturnCode.Success)] // nothing bound: nothing to undo
    [InlineData(TioOpAction.Run, PspReturnCode.InvalidTdiState)]
    [InlineData(TioOpAction.Stop, PspReturnCode.Success)]
    public void SevTioOp_BeforeTheDeviceIsCreated_AnswersAStatus(TioOpAction action, PspReturnCode expected)
    {
        using var f = new PlatformFixture(PlatformStage.Initialized, seed: 5);
        var ghcb = new GhcbClient(f.Guest.Vcpu, f.Guest.GhcbGpa);

        var result = ghcb.TioOp(action, PlatformFixture.GuestRid);

        Assert.Equal(expected == PspReturnCode.Success ? Errno.None : Errno.EIO, result.Error);
        Assert.Equal((ulong)expected, result.FirmwareError);
        Assert.Empty(f.Psp.Tdis);
    }

    [Fact]
    public void SevTioOp_Bind_AfterTheDeviceConnects_StillBinds()
    {
        using var f = new PlatformFixture(PlatformStage.Initialized, seed: 5);
        var ghcb = new GhcbClient(f.Guest.Vcpu, f.Guest.GhcbGpa);
        Assert.Equal((ulong)PspReturnCode.InvalidDeviceState, ghcb.TioOp(TioOpAction.Bind, PlatformFixture.GuestRid).FirmwareError);

        Assert.Equal(PspReturnCode.Success, f.Link.Connect());
        var result = ghcb.TioOp(TioOpAction.Bind, PlatformFixture.GuestRid);

        Assert.Equal(0UL, result.FirmwareError);
        Assert.True(f.Tdi.IsBound);
    }
}
