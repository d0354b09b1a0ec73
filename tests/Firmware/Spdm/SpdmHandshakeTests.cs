using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using SevTio.Firmware.Spdm;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>The full SPDM 1.2 connection and session, PSP requester against device responder, over DOE objects.</summary>
public class SpdmHandshakeTests
{
    [Fact]
    public void Connect_OverDoe_EstablishesTheSameSessionOnBothSides()
    {
        var harness = new DsmHarness();
        var requester = harness.NewRequester();

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(requester));

        Assert.Null(requester.Failure);
        Assert.Equal(SpdmRequesterPhase.Established, requester.Phase);
        Assert.Equal(SpdmSessionState.Established, requester.Session!.State);
        Assert.True(harness.Dsm.Spdm.IsSessionEstablished(requester.Session.SessionId));
        Assert.Equal(harness.Identity.CertificateChain, requester.CertificateChain);

        // Everything up to KEY_EXCHANGE travels as plain SPDM (DOE type 1); FINISH is the first secured message.
        Assert.All(harness.Log.Take(harness.Log.Count - 1), e => Assert.Equal(DoeDataObjectType.Spdm, e.Request.Type));
        Assert.Equal(DoeDataObjectType.SecuredSpdm, harness.Log[^1].Request.Type);
    }

    [Fact]
    public void Connect_KeyExchangeResponseSignature_VerifiesOverTheDsp0274Transcript()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();

        // Every VCA message here is a whole number of DW, so the DOE payloads are the messages themselves.
        var vca = harness.Log.Take(3).SelectMany(e => e.Request.Payload.Concat(e.Response)).ToArray();
        var keyExchange = harness.Log[^2];
        var request = keyExchange.Request.Payload[..(4 + 4 + 32 + 96 + 2 + 16)];
        var signatureOffset = 4 + 4 + 32 + 96 + 2 + 12;
        var response = keyExchange.Response;
        var signature = response[signatureOffset..(signatureOffset + 96)];

        // TH = Hash(VCA ‖ Hash(chain) ‖ KEY_EXCHANGE ‖ KEY_EXCHANGE_RSP up to the signature); the signer signs
        // "dmtf-spdm-v1.2.*" × 4 ‖ zero pad ‖ context ‖ TH with ECDSA P-384 / SHA-384.
        var th = SHA384.HashData([.. vca, .. SHA384.HashData(harness.Identity.CertificateChain), .. request, .. response[..signatureOffset]]);
        var context = "responder-key_exchange_rsp signing"u8.ToArray();
        byte[] signed = [.. string.Concat(Enumerable.Repeat("dmtf-spdm-v1.2.*", 4)).Select(c => (byte)c), .. new byte[36 - context.Length], .. context, .. th];
        var chain = SpdmCertificateChain.Decode(harness.Identity.CertificateChain, 48);
        using var leaf = X509CertificateLoader.LoadCertificate(chain.Leaf);
        using var key = leaf.GetECDsaPublicKey()!;

        Assert.True(key.VerifyData(signed, signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(vca, requester.Vca);
    }

    [Fact]
    public void Connect_SmallChunks_FetchesTheChainInPortions()
    {
        var harness = new DsmHarness();
        var requester = harness.NewRequester(chunk: 200);

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(requester));

        var chainLength = harness.Identity.CertificateChain.Length;
        var gets = harness.Log.Count(e => e.Request.Payload[1] == (byte)SpdmRequestResponseCode.GetCertificate);
        Assert.Equal((chainLength + 199) / 200, gets);
        Assert.Equal(harness.Identity.CertificateChain, requester.CertificateChain);
    }

    [Fact]
    public void DeviceIdentity_SameSeed_SameChainLengthAndKeys()
    {
        var a = SpdmDeviceIdentity.Create(new Random(42));
        var b = SpdmDeviceIdentity.Create(new Random(42));

        // Certificate signatures are randomized by ECDSA, but lengths (and so round trips) never vary.
        Assert.Equal(a.CertificateChain.Length, b.CertificateChain.Length);
        var chainA = SpdmCertificateChain.Decode(a.CertificateChain, 48);
        var chainB = SpdmCertificateChain.Decode(b.CertificateChain, 48);
        using var leafA = X509CertificateLoader.LoadCertificate(chainA.Leaf);
        using var leafB = X509CertificateLoader.LoadCertificate(chainB.Leaf);
        Assert.Equal(leafA.GetPublicKey(), leafB.GetPublicKey());
        Assert.Equal(leafA.SerialNumber, leafB.SerialNumber);
    }

    [Fact]
    public void Connect_SameSeeds_SameExchangeSizes()
    {
        static int[] Sizes()
        {
            var harness = new DsmHarness(SpdmDeviceIdentity.Create(new Random(5)));
            harness.Connect();
            return harness.Log.SelectMany(e => new[] { e.Request.Payload.Length, e.Response.Length }).ToArray();
        }

        Assert.Equal(Sizes(), Sizes());
    }

    [Fact]
    public void DeviceIdentity_Chain_HasRootIntermediateLeafWithResponderEku()
    {
        var chain = SpdmCertificateChain.Decode(DsmHarness.SharedIdentity.CertificateChain, 48);

        Assert.Equal(3, chain.Certificates.Count);
        Assert.Equal(SHA384.HashData(DsmHarness.SharedIdentity.RootCertificate), chain.RootHash);
        Assert.Equal(DsmHarness.SharedIdentity.RootCertificate, chain.Certificates[0]);
        using var leaf = X509CertificateLoader.LoadCertificate(chain.Leaf);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Contains(eku.EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.4.1.412.274.3");
        Assert.Equal(384, leaf.GetECDsaPublicKey()!.KeySize);
    }

    [Fact]
    public void EndSession_EndsBothSidesAndInvalidatesTheSessionsKeys()
    {
        var harness = new DsmHarness();
        var (requester, _) = harness.ConnectAndKey();
        var sessionId = requester.Session!.SessionId;

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(requester.CreateEndSessionRequest()));

        Assert.Equal(SpdmSessionState.Ended, requester.Session.State);
        Assert.False(harness.Dsm.Spdm.IsSessionEstablished(sessionId));
        Assert.Equal([FakeTdispDevice.DefaultStream], harness.Device.InvalidatedStreams);
        Assert.Empty(harness.Device.Slots);
    }

    [Fact]
    public void GetVersion_Again_EndsTheSessionAndItsKeys()
    {
        var harness = new DsmHarness();
        var (requester, _) = harness.ConnectAndKey();

        Assert.NotNull(harness.Dsm.HandleDoeObject(DoeDataObject.Encode(DoeDataObjectType.Spdm, new SpdmGetVersion().Encode())));

        Assert.False(harness.Dsm.Spdm.IsSessionEstablished(requester.Session!.SessionId));
        Assert.Equal([FakeTdispDevice.DefaultStream], harness.Device.InvalidatedStreams);
    }

    [Fact]
    public void Discovery_ListsDiscoverySpdmAndSecuredSpdm()
    {
        var harness = new DsmHarness();
        var found = new List<DoeDiscoveryResponse>();
        byte index = 0;
        do
        {
            var response = harness.Dsm.HandleDoeObject(DoeDataObject.Encode(DoeDataObjectType.Discovery, new DoeDiscoveryRequest(index).Encode()));
            DoeDataObject.Decode(response, out var payload);
            var entry = DoeDiscoveryResponse.Decode(payload);
            found.Add(entry);
            index = entry.NextIndex;
        }
        while (index != 0);

        Assert.Equal([DoeDataObjectType.Discovery, DoeDataObjectType.Spdm, DoeDataObjectType.SecuredSpdm], found.Select(f => f.DataObjectType));
        Assert.All(found, f => Assert.Equal(1, f.VendorId));
    }

    [Fact]
    public void HandleDoeObject_MalformedObject_ReturnsNothing()
    {
        var harness = new DsmHarness();

        Assert.Null(harness.Dsm.HandleDoeObject([0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00]));
        Assert.Null(harness.Dsm.HandleDoeObject([0x01, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00]));
        Assert.Null(harness.Dsm.HandleDoeObject([0x01, 0x00]));
    }
}
