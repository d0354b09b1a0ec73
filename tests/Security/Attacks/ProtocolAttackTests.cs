using SevTio.Cli.Attacks;
using SevTio.Cli.Attacks.Support;
using SevTio.Protocols.GuestMessages;

namespace SevTio.Security.Tests.Attacks;

/// <summary>
/// The answers the specifications name for the protocol attacks: the PSP's status codes (psp-sev.h SPDM_ERROR 0x33),
/// the MMIO_VALIDATE status list of the seed's tio.c (NOT_ASSIGNED 3, NOT_UNIFORM 5, NOT_REPORTED 8), the errno the
/// guest's sysfs write returns (Linux: EBADMSG for a response or evidence that fails its check, EIO for a refused
/// request), and the TDISP state (PCIe §11.2.6: a BAR or BME write while RUN → ERROR).
/// </summary>
public sealed class ProtocolAttackTests
{
    [Fact]
    public void SpdmTamper_SignatureAndAeadFailures_ConnectFailsWithSpdmError()
    {
        var outcome = AttackResults.Of("spdm-tamper");

        Assert.Equal("SpdmError,SpdmError", outcome.Status);
        Assert.Contains(outcome.Details, d => d.Contains("SignatureInvalid", StringComparison.Ordinal));
        Assert.Contains(outcome.Details, d => d.Contains("DecryptFailed", StringComparison.Ordinal));
        Assert.False(outcome.ForgedCommitted);
    }

    [Fact]
    public void SpdmReplay_DeviceDropsEveryReplayedRecordWritesNoKeyAndKeepsTheSession()
    {
        var outcome = AttackResults.Of("spdm-replay");

        Assert.Contains(" 0 accepted", outcome.Answer, StringComparison.Ordinal);
        Assert.EndsWith(" 0 keys written", outcome.Answer, StringComparison.Ordinal);
        Assert.Contains(outcome.Details, d => d.StartsWith("then the guest's lock over the same session: None", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("report-modified")]
    [InlineData("report-stale")]
    [InlineData("report-foreign-certs")]
    public void Report_ForgedBlob_AcceptAnswersEbadmsgTdiNeverRuns(string name)
    {
        var outcome = AttackResults.Of(name);

        Assert.Equal("EBADMSG", outcome.Errno);
        Assert.Equal("ConfigLocked", outcome.Status);
        Assert.StartsWith("evidence failed: " + (name == "report-foreign-certs" ? "certificates" : "report") + " mismatch", outcome.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public void GuestMessageReplay_PspRefusesGuestAnswersEio()
    {
        var outcome = AttackResults.Of("guest-msg-replay");
        Assert.Equal("EIO", outcome.Errno);
        Assert.Equal(AttackParty.PspGuestMessages, outcome.DetectedBy);
    }

    [Fact]
    public void GuestMessageReorder_GuestRefusesTheResponseAnswersEbadmsg()
    {
        var outcome = AttackResults.Of("guest-msg-reorder");
        Assert.Equal("EBADMSG", outcome.Errno);
        Assert.Contains("VMPCK wiped", outcome.Answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mmio-validate-outside-report", 8)]
    [InlineData("mmio-validate-not-assigned", 3)]
    [InlineData("mmio-validate-not-uniform", 5)]
    public void MmioValidate_PspAnswersTheSpecStatusAndChangesNoRmpEntry(string name, int status)
    {
        var attack = (MmioValidateAttack)AttackCatalog.Find(name)!;
        var outcome = AttackResults.Of(attack.Name);

        Assert.Equal(status, (int)attack.ExpectedStatus);
        Assert.Equal(((MmioValidateStatus)status).ToString(), outcome.Status);
        Assert.False(outcome.ForgedCommitted);
    }

    [Theory]
    [InlineData("config-write-bar")]
    [InlineData("config-write-bme")]
    [InlineData("config-write-ide")]
    public void ConfigWrite_WhileRun_TdiGoesToErrorAndThePspSeesIt(string name)
    {
        var outcome = AttackResults.Of(name);

        Assert.Equal("Error", outcome.Status);
        Assert.Contains(outcome.Details, d => d == "the PSP's TIO_TDI_STATUS: Success, Error");
    }

    [Fact]
    public void FlowConfigWriteBar_TdiErrorAndTheDeviceStopsTrustedDma()
    {
        var outcome = AttackResults.Of("flow-config-write-bar");
        Assert.Equal("Error", outcome.Status);
        Assert.Equal("TDI Error; device DMA refused: TdiInError", outcome.Answer);
        Assert.Contains(outcome.Details, d => d.EndsWith("device DMA allowed, T=1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ide-key-search-connect")]
    [InlineData("ide-key-search-refresh")]
    public void KeySearch_KeysExistAndAreNowhereTheHostCanRead(string name)
    {
        var outcome = AttackResults.Of(name);
        Assert.True(outcome.BenignAccepted);
        Assert.Empty(outcome.Leaks);
        Assert.Contains("6 keys searched", outcome.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public void TrustRigFindLeaks_KeyInAHostPageOrTheDoeLog_IsFound()
    {
        // The key search must be able to fail: a key copied into a host page is found.
        using var rig = new TrustRig(6);
        var key = rig.Device.Keys.Keys[0];
        Assert.Empty(rig.FindLeaks(key));
        var page = rig.Hypervisor.Pages.Allocate();
        Assert.True(rig.Hypervisor.Psp.ReadRaw(page, 1).Length == 1);
        rig.Memory.Write(page + 40, key);
        Assert.Contains(rig.FindLeaks(key), l => l.StartsWith($"raw memory at 0x{page + 40:X}", StringComparison.Ordinal));
    }
}
