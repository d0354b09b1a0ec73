using SevTio.Firmware.Spdm;
using SevTio.Protocols.Psp;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;

namespace SevTio.Security.Tests.Fuzzing.Regressions;

/// <summary>
/// Found by the PSP command fuzz target: a TIO_DEV_MEASUREMENTS whose relayed response did not authenticate failed
/// the SPDM session (as it must) but left the device context CONNECTED; the next TIO_DEV_MEASUREMENTS threw
/// InvalidOperationException ("the session is not established") out of the mailbox instead of answering a status.
/// </summary>
public sealed class PspMeasurementsRegressionTests
{
    [Fact]
    public void TioDevMeasurements_AfterTheSessionFailed_AnswersSpdmErrorAndTheHostCanReconnect()
    {
        using var f = new PlatformFixture(PlatformStage.Connected, seed: 3);
        var command = new byte[TioDevMeasurementsCommand.Size];
        new TioDevMeasurementsCommand(0, f.Spdm.Control, f.DeviceContext!.Value, MeasurementNonce.FromBytes(new byte[32])).Encode(command);
        const uint id = (uint)PspCommandId.TioDevMeasurements;

        // A host (or a device) that damages the secured response: the session fails.
        var status = f.Issue(id, command);
        Assert.Equal(PspReturnCode.SpdmRequest, status);
        status = f.Continue(id, command, f.Spdm.Control, status, tamper: response =>
        {
            response[8] ^= 1; // inside the ciphertext
            return response;
        });
        Assert.Equal(PspReturnCode.SpdmError, status);
        Assert.Equal(SpdmSessionState.Failed, f.Psp.Devices.Values.Single().Connection!.Session!.State);

        // The next request answers a status instead of throwing, and changes nothing.
        var before = f.Snapshot([]);
        Assert.Equal(PspReturnCode.SpdmError, f.Issue(id, command));
        Assert.Null(f.ChangesSince(before));

        // The host's way out: disconnect, reconnect, measure.
        Assert.Equal(PspReturnCode.Success, f.Link.Disconnect());
        Assert.Equal(PspReturnCode.Success, f.Link.Connect());
        Assert.Equal(PspReturnCode.Success, f.Link.RefreshMeasurements(new byte[32]));
    }
}
