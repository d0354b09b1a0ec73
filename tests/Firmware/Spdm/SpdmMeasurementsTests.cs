using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using SevTio.Firmware.Spdm;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>Signed measurements in the session: digests are SHA-384 of the named blocks; the signature covers L1.</summary>
public class SpdmMeasurementsTests
{
    private static readonly byte[] s_nonce = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();

    [Fact]
    public void Measurements_All_DigestsAreSha384OfTheFirmwareBlocks()
    {
        var harness = new DsmHarness();
        var flow = harness.Connect().CreateMeasurementsRequest(s_nonce);

        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(flow));

        Assert.Equal(3, flow.Blocks.Count);
        Assert.Equal(SHA384.HashData("SevTio device boot ROM v1"u8), flow.Blocks[0].Value);
        Assert.Equal(SHA384.HashData("SevTio device firmware v1.0.0"u8), flow.Blocks[1].Value);
        Assert.Equal([1, 2, 3], flow.Blocks.Select(b => (int)b.Index));
        Assert.Equal(SpdmDmtfMeasurementValueType.MutableFirmware, flow.Blocks[1].Kind);
    }

    [Fact]
    public void Measurements_Signature_VerifiesOverVcaRequestAndUnsignedResponse()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();
        var flow = requester.CreateMeasurementsRequest(s_nonce);
        harness.Run(flow);

        var response = flow.Response!;
        var unsigned = response[..^96];
        var request = new SpdmGetMeasurements(SpdmMeasurementRequestAttributes.GenerateSignature, 0xFF, s_nonce, 0).Encode();
        var context = "responder-measurements signing"u8.ToArray();
        var l1Hash = SHA384.HashData([.. requester.Vca, .. request, .. unsigned]);
        byte[] signed = [.. string.Concat(Enumerable.Repeat("dmtf-spdm-v1.2.*", 4)).Select(c => (byte)c), .. new byte[36 - context.Length], .. context, .. l1Hash];
        using var leaf = X509CertificateLoader.LoadCertificate(SpdmCertificateChain.Decode(harness.Identity.CertificateChain, 48).Leaf);

        Assert.True(leaf.GetECDsaPublicKey()!.VerifyData(signed, response[^96..], HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void Measurements_AfterFirmwareUpdate_DigestChanges()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();
        var before = requester.CreateMeasurementsRequest(s_nonce, operation: 2);
        harness.Run(before);

        harness.Measurements.Update("firmware", "SevTio device firmware v1.0.1"u8.ToArray());
        var after = requester.CreateMeasurementsRequest(s_nonce, operation: 2);
        harness.Run(after);

        Assert.Equal(SHA384.HashData("SevTio device firmware v1.0.1"u8), after.Blocks.Single().Value);
        Assert.NotEqual(before.Blocks.Single().Value, after.Blocks.Single().Value);
    }

    [Fact]
    public void Measurements_RawBitStream_ReturnsContentsWithTypeBit7()
    {
        var harness = new DsmHarness();
        var flow = harness.Connect().CreateMeasurementsRequest(s_nonce, operation: 3, rawBitStream: true);

        harness.Run(flow);

        var block = flow.Blocks.Single();
        Assert.True(block.IsRawBitStream);
        Assert.Equal(0x83, block.ValueType);
        Assert.Equal("tdisp=1 ide=1"u8.ToArray(), block.Value);
    }

    [Fact]
    public void Measurements_ResponseTamperedByTheRelay_FailsDecrypt()
    {
        var harness = new DsmHarness();
        var requester = harness.Connect();
        var flow = requester.CreateMeasurementsRequest(s_nonce);

        // The relay sees only the sealed response; a flipped bit in it (here in the signature's ciphertext) fails
        // authentication before any signature check.
        harness.Intercept = (_, payload) =>
        {
            payload[^20] ^= 0x01;
            return payload;
        };

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(flow));
        Assert.Equal(SpdmFailureReason.DecryptFailed, flow.Failure!.Reason);
    }

    [Fact]
    public void Measurements_UnknownIndex_FailsWithErrorResponse()
    {
        var harness = new DsmHarness();
        var flow = harness.Connect().CreateMeasurementsRequest(s_nonce, operation: 9);

        Assert.Equal(SpdmFlowStatus.Failed, harness.Run(flow));
        Assert.Equal(SpdmFailureReason.ErrorResponse, flow.Failure!.Reason);
        Assert.Contains(nameof(SpdmErrorCode.InvalidRequest), flow.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyExchange_SummaryHashAll_IsHashOfTheConcatenatedMeasurementBlocks()
    {
        var harness = new DsmHarness();
        var requester = harness.NewRequester(summaryHashType: 0xFF);
        Assert.Equal(SpdmFlowStatus.Completed, harness.Run(requester));

        // Each DMTF block: Index, Specification 0x01, Size u16 (3 + 48), Type, Value size u16 (48), the digest.
        var concatenated = harness.Measurements.Blocks.SelectMany(b =>
            new byte[] { b.Index, 0x01, 51, 0, (byte)b.Kind, 48, 0 }.Concat(SHA384.HashData(b.Content))).ToArray();
        Assert.Equal(SHA384.HashData(concatenated), requester.MeasurementSummaryHash);
    }

    [Fact]
    public void Measurements_Count_ReportsTotalInParam1()
    {
        var harness = new DsmHarness();
        harness.Connect();

        var response = harness.Dsm.Spdm.HandleRequest(new SpdmGetMeasurements(SpdmMeasurementRequestAttributes.None, 0, null, 0).Encode());

        var measurements = SpdmMeasurements.Decode(response!, 0);
        Assert.Equal(3, measurements.Param1);
        Assert.Empty(measurements.Blocks);
    }
}
