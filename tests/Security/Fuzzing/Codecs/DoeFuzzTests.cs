using CsCheck;
using SevTio.Protocols.Doe;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>DOE data objects (PCIe §6.30) and the discovery messages, as the DSM's mailbox receives them.</summary>
public sealed class DoeFuzzTests(ITestOutputHelper output)
{
    private static readonly Codec DataObject = new("DOE.DataObject", b =>
    {
        var header = DoeDataObject.Decode(b, out var payload);
        return DoeDataObject.Encode(header.DataObjectType, payload);
    });

    private static readonly Codec DiscoveryRequest = new("DOE.DISCOVERY_REQUEST", b => DoeDiscoveryRequest.Decode(b).Encode());

    private static readonly Codec DiscoveryResponse = new("DOE.DISCOVERY_RESPONSE", b => DoeDiscoveryResponse.Decode(b).Encode(), RoundTrip.Exact);

    /// <summary>Objects of every type with DW-aligned payloads of 0-256 bytes, and the two discovery bodies.</summary>
    internal static readonly Gen<CodecSample> Samples = FuzzGen.Any(
        Gen.Select(FuzzGen.OneOf(DoeDataObjectType.Discovery, DoeDataObjectType.Spdm, DoeDataObjectType.SecuredSpdm, (DoeDataObjectType)0x7F), Gen.Int[0, 64], FuzzGen.U8)
            .SelectMany((type, dws, _) => FuzzGen.Bytes(4 * dws).Select(p => new CodecSample(DataObject, DoeDataObject.Encode(type, p)))),
        FuzzGen.U8.Select(i => new CodecSample(DiscoveryRequest, new DoeDiscoveryRequest(i).Encode())),
        Gen.Select(FuzzGen.U16, FuzzGen.U8, FuzzGen.U8, (v, t, n) => new CodecSample(DiscoveryResponse, new DoeDiscoveryResponse(v, (DoeDataObjectType)t, n).Encode())));

    [Fact]
    public void DoeCodecs_MutatedObjects_OnlyFormatErrorsAndRoundTrip()
    {
        CodecFuzz.Run("DOE data objects and discovery", Samples, output);
    }
}
