using SevTio.Cli.Attacks;
using SevTio.Cli.Attacks.Support;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;

namespace SevTio.Security.Tests.Attacks;

/// <summary>
/// The answers the specifications name for the link and DMA attacks: PCIe §6.33.8 (an IDE check failure drops the TLP
/// and makes the stream Insecure; nothing reaches the IOMMU or memory), the AMD IOMMU event log (INVALID_DEVICE_REQUEST
/// for T=1 without an sDTE, RMP_PAGE_FAULT with the failed RMP check of APM table 15-39, the requester and the DMA
/// address as issued), and memory encryption for the host's read.
/// </summary>
public sealed class LinkAttackTests
{
    [Theory]
    [InlineData("ide-bitflip-payload", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-bitflip-header", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-bitflip-prefix", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-bitflip-mac", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-bitflip-aggregated", IdeCheckFailure.MacCheckFailed)]
    [InlineData("flow-ide-bitflip", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-replay", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-drop", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-reorder", IdeCheckFailure.MacCheckFailed)]
    [InlineData("ide-stale-keyset", IdeCheckFailure.KeySetNotArmed)]
    [InlineData("ide-reorder-passing", IdeCheckFailure.CounterUnderflow)]
    public void IdeAttack_IntegrityFailure_StreamInsecureNothingCommittedNothingReachesTheIommu(string name, IdeCheckFailure expected)
    {
        var outcome = AttackResults.Of(name);

        Assert.Equal(expected, outcome.IdeFailure);
        Assert.Equal(IdeStreamState.Insecure, outcome.StreamState);
        Assert.False(outcome.ForgedCommitted);
        Assert.Empty(outcome.IommuEvents);
    }

    [Theory]
    [InlineData("dma-t1-without-sdte", IommuEventCode.InvalidDeviceRequest, RmpViolation.None, LinkRig.DeviceRid)]
    [InlineData("dma-t1-unbound-device", IommuEventCode.InvalidDeviceRequest, RmpViolation.None, LinkRig.SecondDeviceRid)]
    [InlineData("dma-t1-spoofed-rid", IommuEventCode.InvalidDeviceRequest, RmpViolation.None, LinkRig.DeviceRid)]
    [InlineData("dma-t0-private-page", IommuEventCode.RmpPageFault, RmpViolation.NotHypervisorOwned, LinkRig.DeviceRid)]
    [InlineData("dma-above-vtom", IommuEventCode.RmpPageFault, RmpViolation.NotHypervisorOwned, LinkRig.DeviceRid)]
    [InlineData("dma-other-guest", IommuEventCode.RmpPageFault, RmpViolation.AsidMismatch, LinkRig.DeviceRid)]
    [InlineData("dma-unvalidated-page", IommuEventCode.RmpPageFault, RmpViolation.NotValidated, LinkRig.DeviceRid)]
    [InlineData("dma-gpa-mismatch", IommuEventCode.RmpPageFault, RmpViolation.GpaMismatch, LinkRig.DeviceRid)]
    public void DmaAttack_EventLogHoldsTheFaultWithAddressAndRequester(string name, IommuEventCode code, RmpViolation violation, ushort requester)
    {
        var attack = (DmaAttack)AttackCatalog.Find(name)!;
        var outcome = AttackResults.Of(attack.Name);

        var e = Assert.Single(outcome.IommuEvents);
        Assert.Equal(code, e.Code);
        Assert.Equal(requester, e.DeviceId);
        Assert.Equal(attack.AttackAddress, e.Address);
        Assert.True(e.IsWrite);
        if (code == IommuEventCode.RmpPageFault)
        {
            Assert.Equal(violation, e.RmpViolation);
        }

        Assert.False(outcome.ForgedCommitted);

        // A refused DMA is not an IDE failure: the stream stays Secure.
        Assert.Equal(IdeStreamState.Secure, outcome.StreamState);
    }

    [Fact]
    public void DmaT0ReadOfPrivatePage_CompleterAbortWithoutDataAndAnRmpPageFault()
    {
        // The root port answers a read the RMP refused with CA (an IOMMU fault would be UR); no byte of the page leaves.
        var attack = (DmaAttack)AttackCatalog.Find("dma-t0-read-private")!;
        var outcome = AttackResults.Of(attack.Name);

        var e = Assert.Single(outcome.IommuEvents);
        Assert.Equal(IommuEventCode.RmpPageFault, e.Code);
        Assert.Equal(RmpViolation.NotHypervisorOwned, e.RmpViolation);
        Assert.False(e.IsWrite);
        Assert.Equal(attack.AttackAddress, e.Address);
        Assert.Equal("completion CompleterAbort, 0 B of data", outcome.Answer);
        Assert.Empty(outcome.Leaks);
    }

    [Fact]
    public void DmaAboveVTom_EventNamesTheSharedAliasAddress()
    {
        var attack = (DmaAttack)AttackCatalog.Find("dma-above-vtom")!;
        Assert.True(attack.AttackAddress >= LinkRig.VTom);
        Assert.Equal(LinkRig.PrivateBase + 0x1000, attack.AttackAddress - LinkRig.VTom);
    }

    [Fact]
    public void FindLeaks_CanaryInASharedPage_IsFound()
    {
        // The leak check must be able to fail: plaintext the guest put in a shared page, and a canary on the wire.
        using var rig = new LinkRig(2);
        var canary = LeakScan.Canary(2);
        Assert.Empty(rig.FindLeaks(canary));
        rig.Guest.Write(LinkRig.SharedBase + 100, canary, encrypted: false);
        var hit = Assert.Single(rig.FindLeaks(canary));
        Assert.Contains($"0x{LinkRig.SharedBase + 100:X}", hit, StringComparison.Ordinal);

        rig.Deliver(rig.Write(LinkRig.SharedBase, canary, tee: false, ide: false));
        var leaks = rig.FindLeaks(canary);
        Assert.Contains("TLP #0 on the link", leaks);
        Assert.Contains(leaks, l => l.StartsWith($"raw memory at 0x{LinkRig.SharedBase:X} ", StringComparison.Ordinal));
    }

    [Fact]
    public void FindLeaks_PrivatePageWrittenByDma_HoldsNoPlaintext()
    {
        using var rig = new LinkRig(4);
        var canary = LeakScan.Canary(4);
        rig.Deliver(rig.Write(LinkRig.PrivateBase, canary));
        Assert.Equal(canary, rig.ReadGuest(LinkRig.PrivateBase, canary.Length));
        Assert.Empty(rig.FindLeaks(canary));
    }
}
