using System.Security.Cryptography;
using SevTio.Firmware.Spdm;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>Every way the PSP's requester must refuse a device or a relay, each with its typed reason.</summary>
public class SpdmRequesterFailureTests
{
    private static int IndexOf(DsmHarness harness, SpdmRequestResponseCode request) =>
        harness.Log.FindIndex(e => e.Request.Payload.Length > 1 && e.Request.Payload[1] == (byte)request);

    private static SpdmFailure RunExpectingFailure(DsmHarness harness, SpdmRequester requester)
    {
        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(requester));
        Assert.False(requester.TryGetNextRequest(out _));
        return requester.Failure!;
    }

    [Fact]
    public void Connect_WrongTrustedRoot_FailsChainUntrusted()
    {
        var harness = new DsmHarness();
        var other = SpdmDeviceIdentity.Create(new Random(99));

        var failure = RunExpectingFailure(harness, harness.NewRequester(trustedRoot: other.RootCertificate));

        Assert.Equal(SpdmFailureReason.CertificateChainUntrusted, failure.Reason);
        Assert.Equal(-1, IndexOf(harness, SpdmRequestResponseCode.KeyExchange));
    }

    [Fact]
    public void Connect_SwappedLeaf_FailsChainInvalid()
    {
        // The genuine root and intermediate with another device's leaf (and that device's key, so it can sign).
        var genuine = DsmHarness.SharedIdentity;
        var impostor = SpdmDeviceIdentity.Create(new Random(77));
        var g = SpdmCertificateChain.Decode(genuine.CertificateChain, 48);
        var i = SpdmCertificateChain.Decode(impostor.CertificateChain, 48);
        var swapped = new SpdmCertificateChain(g.RootHash, [g.Certificates[0], g.Certificates[1], i.Leaf]).Encode();
        var harness = new DsmHarness(new SpdmDeviceIdentity(genuine.RootCertificate, swapped, impostor.LeafKey));

        var failure = RunExpectingFailure(harness, harness.NewRequester(trustedRoot: genuine.RootCertificate));

        // The names chain (both devices use the same CA names); only the intermediate's signature gives it away.
        Assert.Equal(SpdmFailureReason.CertificateChainInvalid, failure.Reason);
        Assert.Contains(nameof(SpdmChainError.BadCertificateSignature), failure.Detail, StringComparison.Ordinal);
        Assert.Contains("certificate 2", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_IntermediateAndLeafOfAnotherDevice_FailsCertificateSignature()
    {
        var genuine = DsmHarness.SharedIdentity;
        var impostor = SpdmDeviceIdentity.Create(new Random(78));
        var g = SpdmCertificateChain.Decode(genuine.CertificateChain, 48);
        var i = SpdmCertificateChain.Decode(impostor.CertificateChain, 48);
        var swapped = new SpdmCertificateChain(g.RootHash, [g.Certificates[0], i.Certificates[1], i.Leaf]).Encode();
        var harness = new DsmHarness(new SpdmDeviceIdentity(genuine.RootCertificate, swapped, impostor.LeafKey));

        var failure = RunExpectingFailure(harness, harness.NewRequester(trustedRoot: genuine.RootCertificate));

        Assert.Equal(SpdmFailureReason.CertificateChainInvalid, failure.Reason);
        Assert.Contains(nameof(SpdmChainError.BadCertificateSignature), failure.Detail, StringComparison.Ordinal);
        Assert.Contains("certificate 1", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_SigningKeyNotTheLeafs_FailsSignatureInvalid()
    {
        var genuine = DsmHarness.SharedIdentity;
        var other = SpdmDeviceIdentity.Create(new Random(79));
        var harness = new DsmHarness(new SpdmDeviceIdentity(genuine.RootCertificate, genuine.CertificateChain, other.LeafKey));

        var failure = RunExpectingFailure(harness, harness.NewRequester());

        Assert.Equal(SpdmFailureReason.SignatureInvalid, failure.Reason);
    }

    [Fact]
    public void Connect_SignatureTamperedInTransit_FailsSignatureInvalid()
    {
        var harness = new DsmHarness();
        const int signatureOffset = 4 + 4 + 32 + 96 + 2 + 12;
        harness.Intercept = (_, payload) =>
        {
            if (payload.Length > 1 && payload[1] == (byte)SpdmRequestResponseCode.KeyExchangeRsp)
            {
                payload[signatureOffset + 10] ^= 0x40;
            }

            return payload;
        };

        var failure = RunExpectingFailure(harness, harness.NewRequester());

        Assert.Equal(SpdmFailureReason.SignatureInvalid, failure.Reason);
    }

    [Fact]
    public void Connect_ResponderVerifyDataTampered_FailsVerifyDataInvalid()
    {
        var harness = new DsmHarness();
        const int verifyOffset = 4 + 4 + 32 + 96 + 2 + 12 + 96;
        harness.Intercept = (_, payload) =>
        {
            if (payload.Length > 1 && payload[1] == (byte)SpdmRequestResponseCode.KeyExchangeRsp)
            {
                payload[verifyOffset] ^= 0x01;
            }

            return payload;
        };

        var requester = harness.NewRequester();
        var failure = RunExpectingFailure(harness, requester);

        Assert.Equal(SpdmFailureReason.VerifyDataInvalid, failure.Reason);
        Assert.Null(requester.Session);
    }

    [Fact]
    public void Connect_CapabilitiesTamperedInTransit_TranscriptsDifferAndSignatureFails()
    {
        var harness = new DsmHarness();
        harness.Intercept = (_, payload) =>
        {
            if (payload.Length > 5 && payload[1] == (byte)SpdmRequestResponseCode.Capabilities)
            {
                payload[5] ^= 0x01;
            }

            return payload;
        };

        var failure = RunExpectingFailure(harness, harness.NewRequester());

        Assert.Equal(SpdmFailureReason.SignatureInvalid, failure.Reason);
    }

    [Fact]
    public void Connect_DigestDisagreesWithChain_FailsDigestMismatch()
    {
        var harness = new DsmHarness();
        harness.Intercept = (_, payload) =>
        {
            if (payload.Length > 4 && payload[1] == (byte)SpdmRequestResponseCode.Digests)
            {
                payload[4] ^= 0xFF;
            }

            return payload;
        };

        Assert.Equal(SpdmFailureReason.CertificateDigestMismatch, RunExpectingFailure(harness, harness.NewRequester()).Reason);
    }

    [Fact]
    public void Connect_FinishResponseTampered_FailsDecrypt()
    {
        var harness = new DsmHarness();
        harness.Intercept = (i, payload) =>
        {
            if (harness.Log.Count > 0 && harness.Log[^1].Request.Payload[1] == (byte)SpdmRequestResponseCode.KeyExchange)
            {
                payload[8] ^= 0x01;
            }

            return payload;
        };

        var requester = harness.NewRequester();
        var failure = RunExpectingFailure(harness, requester);

        Assert.Equal(SpdmFailureReason.DecryptFailed, failure.Reason);
        Assert.Equal(SpdmSessionState.Failed, requester.Session!.State);
    }

    [Fact]
    public void Connect_NoResponse_FailsNoResponse()
    {
        var harness = new DsmHarness();
        harness.Intercept = (i, payload) => i == 2 ? [] : payload;

        Assert.Equal(SpdmFailureReason.NoResponse, RunExpectingFailure(harness, harness.NewRequester()).Reason);
    }

    [Fact]
    public void Connect_GarbageResponse_FailsMalformed()
    {
        var harness = new DsmHarness();
        harness.Intercept = (i, payload) => i == 1 ? [0x12, 0x61, 0, 0] : payload;

        var failure = RunExpectingFailure(harness, harness.NewRequester());

        Assert.Equal(SpdmFailureReason.MalformedResponse, failure.Reason);
        Assert.Contains("SPDM.CAPABILITIES", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void SecuredResponse_Replayed_FailsDecryptAndTheSession()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();
        var first = new IdeKmRequester(requester.Session!).Query();
        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(first));
        var firstResponse = harness.Log[^1].Response;

        harness.Intercept = (_, _) => firstResponse.ToArray();
        var second = new IdeKmRequester(requester.Session!).Query();

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(second));
        Assert.Equal(SpdmFailureReason.DecryptFailed, second.Failure!.Reason);
        Assert.Equal(SpdmSessionState.Failed, requester.Session!.State);
        Assert.False(new IdeKmRequester(requester.Session).Query().TryGetNextRequest(out _));
    }

    [Fact]
    public void SecuredResponses_Reordered_SecondOpenedFirstFails()
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        var query = IdeKmRequester.BuildRequest(new SevTio.Protocols.IdeKm.IdeKmQuery(0));
        var response1 = harness.Relay(session.SealRequest(query));
        var response2 = harness.Relay(session.SealRequest(query));

        Assert.False(session.TryOpenResponse(response2, out _));
        Assert.Equal(SpdmFailureReason.DecryptFailed, session.Failure!.Reason);
        Assert.NotEmpty(response1);
    }

    [Fact]
    public void SecuredResponse_OtherSessionId_FailsSessionIdMismatch()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();
        harness.Intercept = (_, payload) =>
        {
            payload[0] ^= 0x01;
            return payload;
        };
        var flow = new IdeKmRequester(requester.Session!).Query();

        harness.Run(flow);

        Assert.Equal(SpdmFailureReason.SessionIdMismatch, flow.Failure!.Reason);
    }

    [Fact]
    public void SecuredRequest_ReplayedToTheDevice_IsDropped()
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        var request = session.SealRequest(IdeKmRequester.BuildRequest(new SevTio.Protocols.IdeKm.IdeKmQuery(0)));

        Assert.NotEmpty(harness.Relay(request));
        Assert.Empty(harness.Relay(request));
    }

    [Fact]
    public void SecuredRequest_Tampered_IsDroppedAndTheSessionLivesOn()
    {
        var harness = new DsmHarness();
        var session = harness.Connect().Session!;
        var query = IdeKmRequester.BuildRequest(new SevTio.Protocols.IdeKm.IdeKmQuery(0));
        var tampered = session.SealRequest(query);
        tampered.Payload[10] ^= 0x80;

        Assert.Empty(harness.Relay(tampered));

        // The device did not advance its counter, so the requester's next request (sequence 1) fails to open there.
        // Re-keying would need a new session: the model drops, it does not resynchronize.
        Assert.Empty(harness.Relay(session.SealRequest(query)));
    }

    [Fact]
    public void Finish_WrongRequesterVerifyData_DeviceAnswersDecryptError()
    {
        var harness = new DsmHarness();
        var requester = harness.NewRequester();
        while (requester.Phase != SpdmRequesterPhase.Finish)
        {
            Assert.True(requester.TryGetNextRequest(out var request));
            requester.Accept(harness.Relay(request));
        }

        var session = requester.Session!;
        var finish = new SpdmFinish(null, 0, new byte[48]).Encode();
        var response = harness.Relay(session.SealRequest(finish));

        Assert.True(session.TryOpenResponse(response, out var message));
        var error = SpdmErrorResponse.Decode(message);
        Assert.Equal(SpdmErrorCode.DecryptError, error.ErrorCode);
        Assert.Empty(harness.Dsm.Spdm.SessionIds);
    }

    [Fact]
    public void Responder_RequestsOutOfOrder_AnswersUnexpectedRequest()
    {
        var harness = new DsmHarness();

        var response = harness.Dsm.Spdm.HandleRequest(new SpdmGetDigests().Encode());

        Assert.Equal(SpdmErrorCode.UnexpectedRequest, SpdmErrorResponse.Decode(response!).ErrorCode);
    }

    [Fact]
    public void Responder_UnsupportedRequest_AnswersWithTheCodeAsErrorData()
    {
        var harness = new DsmHarness();
        harness.Connect();

        var error = SpdmErrorResponse.Decode(harness.Dsm.Spdm.HandleRequest([0x12, (byte)SpdmRequestResponseCode.Challenge, 0, 0])!);

        Assert.Equal(SpdmErrorCode.UnsupportedRequest, error.ErrorCode);
        Assert.Equal((byte)SpdmRequestResponseCode.Challenge, error.ErrorData);
    }

    [Fact]
    public void Responder_WrongVersionAfterNegotiation_AnswersVersionMismatch()
    {
        var harness = new DsmHarness();
        harness.Connect();

        var error = SpdmErrorResponse.Decode(harness.Dsm.Spdm.HandleRequest(new SpdmGetDigests(SpdmVersion.V11).Encode())!);

        Assert.Equal(SpdmErrorCode.VersionMismatch, error.ErrorCode);
    }

    [Fact]
    public void Responder_MalformedRequest_AnswersInvalidRequest()
    {
        var harness = new DsmHarness();
        harness.Dsm.Spdm.HandleRequest(new SpdmGetVersion().Encode());

        var error = SpdmErrorResponse.Decode(harness.Dsm.Spdm.HandleRequest([0x12, 0xE1, 0, 0, 0, 0])!);

        Assert.Equal(SpdmErrorCode.InvalidRequest, error.ErrorCode);
    }

    [Fact]
    public void Verifier_ChainOfAnotherRootWithForgedRootHash_FailsSignature()
    {
        // RootHash claims the trusted root, but the chain's own first certificate is a different self-signed root.
        var trusted = DsmHarness.SharedIdentity;
        var other = SpdmCertificateChain.Decode(SpdmDeviceIdentity.Create(new Random(80)).CertificateChain, 48);
        var forged = new SpdmCertificateChain(SHA384.HashData(trusted.RootCertificate), other.Certificates).Encode();

        var error = SpdmCertificateChainVerifier.Verify(forged, trusted.RootCertificate, out var key, out _);

        Assert.NotEqual(SpdmChainError.None, error);
        Assert.Null(key);
    }

    [Fact]
    public void Verifier_ChainEndingInACaCertificate_FailsChainStructure()
    {
        var genuine = SpdmCertificateChain.Decode(DsmHarness.SharedIdentity.CertificateChain, 48);
        var truncated = new SpdmCertificateChain(genuine.RootHash, genuine.Certificates.Take(2).ToArray()).Encode();

        var error = SpdmCertificateChainVerifier.Verify(truncated, DsmHarness.SharedIdentity.RootCertificate, out _, out var detail);

        Assert.Equal(SpdmChainError.BadChainStructure, error);
        Assert.Contains("leaf is a CA", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verifier_CorruptedCertificateBytes_FailsMalformedOrSignatureNeverThrows()
    {
        var chain = DsmHarness.SharedIdentity.CertificateChain;
        for (var i = 52; i < chain.Length; i += 7)
        {
            var corrupted = chain.ToArray();
            corrupted[i] ^= 0x5A;

            var error = SpdmCertificateChainVerifier.Verify(corrupted, DsmHarness.SharedIdentity.RootCertificate, out _, out _);

            Assert.NotEqual(SpdmChainError.None, error);
        }
    }
}
