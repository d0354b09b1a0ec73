using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;

namespace SevTio.Security.Tests.Fuzzing.Regressions;

/// <summary>
/// Found by the DSM firmware fuzz target: a malformed GET_VERSION (header version 0x80) was answered ERROR, but the
/// responder had already reset the connection and ended every session — one injected plain message from the host tore
/// down the session, its IDE keys and the TDI.
/// </summary>
public sealed class SpdmResponderRegressionTests
{
    [Theory]
    [InlineData(new byte[] { 0x80, 0x84, 0x00, 0x00 })] // the fuzzer's input: SPDMVersion 0x80
    [InlineData(new byte[] { 0x10, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 })] // trailing bytes past the DW padding
    public void HandleDoeObject_MalformedGetVersion_ErrorAndSessionsKept(byte[] getVersion)
    {
        using var fixture = DsmFixture.Secured(TdiState.Run, seed: 1);
        var before = fixture.Snapshot();

        var response = fixture.Send(DoeDataObject.Encode(DoeDataObjectType.Spdm, getVersion));

        Assert.NotNull(response);
        DoeDataObject.Decode(response, out var payload);
        Assert.Equal(SpdmErrorCode.InvalidRequest, SpdmMessage.DecodePadded(payload, SpdmErrorResponse.Name, SpdmErrorResponse.Read, out _).ErrorCode);
        Assert.Equal(before, fixture.Snapshot());
        Assert.True(fixture.Dsm.Spdm.IsSessionEstablished(fixture.Session!.SessionId));
        Assert.Equal(SpdmResponderConnectionState.Negotiated, fixture.Dsm.Spdm.ConnectionState);
    }

    [Fact]
    public void HandleDoeObject_ValidGetVersion_StillEndsTheSessions()
    {
        using var fixture = DsmFixture.Secured(TdiState.Run, seed: 1);

        fixture.Send(DoeDataObject.Encode(DoeDataObjectType.Spdm, new SpdmGetVersion().Encode()));

        Assert.Empty(fixture.Dsm.Spdm.SessionIds);
        Assert.Equal(SpdmResponderConnectionState.AfterVersion, fixture.Dsm.Spdm.ConnectionState);
    }
}
